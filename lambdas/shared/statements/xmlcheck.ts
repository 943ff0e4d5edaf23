/**
 * A linear pre-scan of an XML document before fast-xml-parser sees it. fast-xml-parser accepts
 * mismatched and unclosed tags silently, gives no location, and slows down on pathological input
 * (megabyte tags or text nodes, very deep nesting). This scan rejects all of that in one pass with a
 * line and offset, so the parser only ever gets well-formed, reasonably shaped documents.
 * Limits are far above anything an ISO 20022 statement contains.
 */
import { StatementParseError } from '../errors';
import { lineOf } from './common';

const MAX_TAG = 4096; // chars in one start tag, attributes included
const MAX_TEXT = 65536; // chars in one text node (CAMT's longest field is 500 chars)
const MAX_DEPTH = 64; // CAMT nests about 15 deep

export function checkXml(src: string, what: string): void {
  const fail = (offset: number, message: string, code = 'MALFORMED_XML'): never => {
    throw new StatementParseError(code, `${what}: ${message}`, { offset, line: lineOf(src, offset) });
  };
  const stack: string[] = [];
  let sawRoot = false;
  let pos = 0;
  const n = src.length;
  while (pos < n) {
    const lt = src.indexOf('<', pos);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd - pos > MAX_TEXT) fail(pos, `text longer than ${MAX_TEXT} characters`);
    if (lt === -1) break;
    if (stack.length === 0 && sawRoot && src.slice(pos, lt).trim() !== '') fail(pos, 'text after the root element');
    if (src.startsWith('<?', lt)) {
      const end = src.indexOf('?>', lt + 2);
      if (end === -1) fail(lt, 'unterminated processing instruction', 'TRUNCATED');
      pos = end + 2;
      continue;
    }
    if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt + 4);
      if (end === -1) fail(lt, 'unterminated comment', 'TRUNCATED');
      pos = end + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', lt)) {
      const end = src.indexOf(']]>', lt + 9);
      if (end === -1) fail(lt, 'unterminated CDATA section', 'TRUNCATED');
      if (end - lt > MAX_TEXT) fail(lt, `CDATA longer than ${MAX_TEXT} characters`);
      pos = end + 3;
      continue;
    }
    if (src.startsWith('<!', lt)) fail(lt, 'DOCTYPE and other declarations are not accepted');
    const gt = src.indexOf('>', lt + 1);
    if (gt === -1 || gt - lt > MAX_TAG) {
      if (gt === -1) fail(lt, 'unterminated tag', 'TRUNCATED');
      fail(lt, `tag longer than ${MAX_TAG} characters`);
    }
    const inner = src.slice(lt + 1, gt);
    if (inner.includes('<')) fail(lt, "'<' inside a tag");
    if (inner[0] === '/') {
      const name = inner.slice(1).trim();
      const open = stack.pop();
      if (open === undefined) fail(lt, `closing tag </${name}> without an opening tag`);
      if (open !== name) fail(lt, `closing tag </${name}> does not match <${open}>`);
    } else {
      const m = /^([A-Za-z_][\w.:-]*)/.exec(inner);
      if (!m) fail(lt, "'<' not followed by a tag name");
      if (stack.length === 0 && sawRoot) fail(lt, 'a second root element');
      sawRoot = true;
      if (!inner.endsWith('/')) {
        stack.push(m![1]);
        if (stack.length > MAX_DEPTH) fail(lt, `elements nested deeper than ${MAX_DEPTH}`);
      }
    }
    pos = gt + 1;
  }
  if (stack.length) fail(n, `<${stack[stack.length - 1]}> is never closed`, 'TRUNCATED');
  if (!sawRoot) fail(0, 'no XML element found', 'NOT_XML');
}
