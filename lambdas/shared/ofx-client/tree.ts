/**
 * Writing OFX documents, both dialects: OFX 1.x SGML (leaf elements left unclosed) and OFX 2.x XML.
 * The OFX client builds its requests and the sandbox bank its responses with it. Reading is the
 * statement parser's tokenizer (statements/ofx/tree.ts: readOfx, find, findAll, textAt).
 */

export type OfxDialect = 'sgml' | 'xml';

/** Which dialect a document declares: an `<?OFX ...?>` / `<?xml` prolog means 2.x XML. */
export function detectDialect(doc: string): OfxDialect {
  const head = doc.slice(0, 1024);
  return /<\?(?:OFX|xml)\b/i.test(head) ? 'xml' : 'sgml';
}


// ---- writing ----

/** An element to write: children, or a leaf value (undefined leaves are skipped). */
export type OfxElement = { name: string; children: OfxElement[] } | { name: string; value: string };

export function agg(name: string, ...children: Array<OfxElement | undefined | false>): OfxElement {
  return { name, children: children.filter((c): c is OfxElement => !!c) };
}

export function leaf(name: string, value: string | number | undefined): OfxElement | undefined {
  return value === undefined ? undefined : { name, value: String(value) };
}

function encode(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Serializes elements; SGML leaves stay unclosed, as OFX 1.x servers write them. */
export function writeElements(el: OfxElement, dialect: OfxDialect, indent = ''): string {
  if ('value' in el) return `${indent}<${el.name}>${encode(el.value)}${dialect === 'xml' ? `</${el.name}>` : ''}\n`;
  return `${indent}<${el.name}>\n${el.children.map((c) => writeElements(c, dialect, indent + '  ')).join('')}${indent}</${el.name}>\n`;
}

/** A complete OFX document: 1.02 SGML header or 2.x XML prolog, then the `<OFX>` element. */
export function writeDocument(ofx: OfxElement, dialect: OfxDialect, version = dialect === 'xml' ? '220' : '102'): string {
  const header =
    dialect === 'xml'
      ? `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<?OFX OFXHEADER="200" VERSION="${version}" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n`
      : `OFXHEADER:100\nDATA:OFXSGML\nVERSION:${version}\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n`;
  return header + writeElements(ofx, dialect);
}
