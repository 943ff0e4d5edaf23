/**
 * Bytes -> text for statement files, by the charset the file itself declares: the OFX 1.x SGML header
 * (ENCODING:/CHARSET:) or an XML declaration (encoding="..."). Banks often declare UTF-8 or US-ASCII
 * and still write Windows-1252 bytes, so a declared UTF-8/ASCII that does not decode as UTF-8 falls back
 * to Windows-1252 rather than producing replacement characters.
 */

const HEAD_BYTES = 4096;

type Charset = 'utf-8' | 'windows-1252' | 'latin1' | 'utf-16le' | 'utf-16be';

/** The first bytes as Latin-1: every byte maps to one char, so header text is readable whatever the charset. */
export function headText(input: Uint8Array | string, max = HEAD_BYTES): string {
  if (typeof input === 'string') return input.slice(0, max);
  return Buffer.from(input.buffer, input.byteOffset, Math.min(input.byteLength, max)).toString('latin1');
}

function charsetFromLabel(label: string | undefined): Charset | undefined {
  if (!label) return undefined;
  const l = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (l === 'utf-8' || l === 'utf8') return 'utf-8';
  if (l === '1252' || l === 'windows-1252' || l === 'cp1252') return 'windows-1252';
  if (l === 'iso-8859-1' || l === '8859-1' || l === 'iso8859-1' || l === 'latin1' || l === 'latin-1') return 'latin1';
  if (l === 'utf-16' || l === 'utf-16le') return 'utf-16le';
  if (l === 'utf-16be') return 'utf-16be';
  return undefined; // USASCII, NONE, unknown: decided by the UTF-8-then-1252 default
}

/** The charset a file declares in its first bytes (SGML OFX header or XML declaration). */
export function declaredCharset(head: string): Charset | undefined {
  const xml = /<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/.exec(head);
  if (xml) return charsetFromLabel(xml[1]);
  const encoding = /^\s*ENCODING:\s*([A-Za-z0-9._-]{1,40})/m.exec(head)?.[1];
  if (encoding && /^utf-?8$/i.test(encoding)) return 'utf-8';
  const charset = /^\s*CHARSET:\s*([A-Za-z0-9._-]{1,40})/m.exec(head)?.[1];
  return charsetFromLabel(charset);
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

// Windows-1252 differs from Latin-1 only in 0x80-0x9F. Node 20's TextDecoder('windows-1252') decodes
// those bytes as Latin-1 C1 controls (0x80 -> U+0080 instead of '€'), so the table is applied here.
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

const cp1252 = {
  decode(b: Uint8Array): string {
    const latin1 = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    let hasC1 = false;
    for (let i = 0; i < b.length; i++) {
      if (b[i] >= 0x80 && b[i] <= 0x9f) {
        hasC1 = true;
        break;
      }
    }
    return hasC1 ? latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]) : latin1;
  },
};

/** Decodes statement bytes by their declared charset; a string input is returned unchanged. */
export function decodeStatement(input: Uint8Array | string): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const b = input;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return decodeAs(b.subarray(3), 'utf-8');
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
  return decodeAs(b, declaredCharset(headText(b)));
}

function decodeAs(b: Uint8Array, charset: Charset | undefined): string {
  switch (charset) {
    case 'windows-1252':
      return cp1252.decode(b);
    case 'latin1':
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    case 'utf-16le':
    case 'utf-16be':
      return new TextDecoder(charset).decode(b);
    default:
      try {
        return utf8Fatal.decode(b);
      } catch {
        return cp1252.decode(b);
      }
  }
}
