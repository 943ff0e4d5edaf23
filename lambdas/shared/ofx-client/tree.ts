/**
 * A small, tolerant reader and writer of OFX element trees, for both dialects: OFX 1.x SGML (leaf
 * elements usually left unclosed) and OFX 2.x XML. It is what the OFX client needs to read an
 * account list and what the sandbox bank needs to read requests; statement parsing proper lives
 * in statements/ofx.ts.
 */

export interface OfxNode {
  name: string;
  /** Text of a leaf element (entities decoded, trimmed). */
  text?: string;
  children: OfxNode[];
}

export type OfxDialect = 'sgml' | 'xml';

export class OfxSyntaxError extends Error {
  readonly name = 'OfxSyntaxError';
}

/** Which dialect a document declares: an `<?OFX ...?>` / `<?xml` prolog means 2.x XML. */
export function detectDialect(doc: string): OfxDialect {
  const head = doc.slice(0, 1024);
  return /<\?(?:OFX|xml)\b/i.test(head) ? 'xml' : 'sgml';
}

const TAG = /<(\/?)([A-Za-z0-9._]+)\s*>/g;

/** Parses the `<OFX>` element of a document (header and prolog skipped). Throws OfxSyntaxError. */
export function parseOfxTree(doc: string): OfxNode {
  const start = doc.search(/<OFX\s*>/i);
  if (start < 0) throw new OfxSyntaxError('no <OFX> element');
  const root: OfxNode = { name: '#root', children: [] };
  const stack: OfxNode[] = [root];
  let openLeaf: OfxNode | null = null; // element that got text and may be closed implicitly
  let pos = start;
  TAG.lastIndex = start;
  for (let m = TAG.exec(doc); m; m = TAG.exec(doc)) {
    const text = doc.slice(pos, m.index);
    pos = TAG.lastIndex;
    const top = stack[stack.length - 1];
    if (text.trim() !== '' && top !== root) {
      top.text = decodeEntities(text.trim());
      openLeaf = top;
    }
    const name = m[2].toUpperCase();
    if (m[1] === '/') {
      const at = findOpen(stack, name);
      if (at < 0) continue; // a stray close tag: ignore, as SGML readers do
      stack.length = at;
      openLeaf = null;
    } else {
      if (openLeaf && stack[stack.length - 1] === openLeaf) stack.pop(); // SGML leaf without close tag
      openLeaf = null;
      const node: OfxNode = { name, children: [] };
      stack[stack.length - 1].children.push(node);
      stack.push(node);
    }
  }
  const tail = doc.slice(pos).trim();
  if (tail !== '' && stack.length > 1) {
    stack[stack.length - 1].text = decodeEntities(tail);
  }
  const ofx = root.children.find((c) => c.name === 'OFX');
  if (!ofx) throw new OfxSyntaxError('no <OFX> element');
  return ofx;
}

function findOpen(stack: OfxNode[], name: string): number {
  for (let i = stack.length - 1; i > 0; i--) if (stack[i].name === name) return i;
  return -1;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    if (k === 'nbsp') return ' ';
    return String.fromCodePoint(k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10));
  });
}

/** First descendant (depth first) reached by a path of element names, e.g. find(n, 'SONRS', 'STATUS', 'CODE'). */
export function find(node: OfxNode | undefined, ...path: string[]): OfxNode | undefined {
  if (!node) return undefined;
  if (path.length === 0) return node;
  const [head, ...rest] = path;
  for (const child of node.children) {
    if (child.name === head) {
      const hit = find(child, ...rest);
      if (hit) return hit;
    }
    const deep = child.name !== head && child.children.length > 0 ? find(child, ...path) : undefined;
    if (deep) return deep;
  }
  return undefined;
}

/** All descendants named `name` (not looking inside a match). */
export function findAll(node: OfxNode | undefined, name: string): OfxNode[] {
  if (!node) return [];
  const out: OfxNode[] = [];
  for (const child of node.children) {
    if (child.name === name) out.push(child);
    else out.push(...findAll(child, name));
  }
  return out;
}

/** Text of the first descendant at `path`, or undefined. */
export function textAt(node: OfxNode | undefined, ...path: string[]): string | undefined {
  return find(node, ...path)?.text;
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
