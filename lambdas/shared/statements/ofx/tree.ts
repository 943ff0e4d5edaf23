/**
 * A tolerant, single-pass OFX tokenizer and tree builder for OFX 1.x (SGML) and 2.x (XML) alike.
 *
 * Why our own: the npm OFX parsers rewrite SGML into XML with regexes (one backtracks exponentially
 * on long tag names), turn amounts into floats or drop FITID leading zeros, and fail on real files.
 *
 * The SGML rule that makes one grammar fit both versions: in OFX, aggregates are always closed, while
 * leaf elements may or may not be. So
 *   - a start tag followed by text is a leaf whose value is that text (trimmed, entities and CDATA
 *     decoded); a following matching end tag is optional and simply ignored;
 *   - a start tag followed directly by another tag is an aggregate candidate, pushed on a stack;
 *   - an end tag closes the nearest open element of that name; the candidates above it were never
 *     closed, so they were empty leaves after all ("dissolved"): their children belong to the parent.
 *   - `<X></X>`, `<X/>` and `<X> </X>` are empty leaves (value '').
 * Dissolved elements are fixed up in one pass at the end (each node moves to its nearest
 * non-dissolved ancestor, in document order), so the whole build is O(n) in the input: every char is
 * scanned once, every node pushed and popped at most once, no regex touches unbounded input.
 */
import { StatementParseError } from '../../errors';
import { lineOf } from '../common';

export interface OfxNode {
  name: string;
  /** Leaf value; undefined for an aggregate. */
  value: string | undefined;
  children: OfxNode[];
  parent: OfxNode | null;
  /** Character offset of the start tag's '<'. */
  offset: number;
  /** Closed by its own end tag (for aggregates). */
  closed: boolean;
  dissolved: boolean;
  /** What a close hook made of this element (its children are then dropped). */
  data: unknown;
}

/**
 * Called when an element is closed by its own end tag and its subtree is final (nothing inside was
 * dissolved). Lets a caller turn a STMTTRN into a transaction at once and drop its leaves, so they
 * die young instead of surviving the whole parse (most of the parse's GC cost).
 */
export type CloseHook = (node: OfxNode) => void;

export interface OfxTree {
  roots: OfxNode[];
  src: string;
}

const NO_CHILDREN: OfxNode[] = [];

// Children arrays are created on the first child: most elements are leaves, and an empty [] grows to
// 17 slots on its first push.
function makeNode(name: string, value: string | undefined, parent: OfxNode | null, offset: number): OfxNode {
  return { name, value, children: NO_CHILDREN, parent, offset, closed: false, dissolved: false, data: undefined };
}

/** Drops an element's children (after a close hook consumed them). */
export function dropChildren(node: OfxNode): void {
  node.children = NO_CHILDREN;
}

function addChild(parent: OfxNode, node: OfxNode): void {
  if (parent.children === NO_CHILDREN) parent.children = [node];
  else parent.children.push(node);
}

/**
 * More open elements than this is not OFX (real files nest about 10 deep, plus a few unclosed empty
 * leaves): fail fast instead of building a million-level tree.
 */
const MAX_OPEN = 1000;

// char codes
const LT = 60, GT = 62, SLASH = 47, BANG = 33, QUESTION = 63, AMP = 38;

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes &amp; &lt; &#233; &#xE9; ...; an unknown or malformed entity stays as written. */
export function decodeEntities(text: string): string {
  let i = text.indexOf('&');
  if (i === -1) return text;
  let out = '';
  let last = 0;
  while (i !== -1) {
    let ch: string | undefined;
    let end = -1;
    // the usual ones without allocating
    if (text.startsWith('amp;', i + 1)) (ch = '&'), (end = i + 5);
    else if (text.startsWith('lt;', i + 1)) (ch = '<'), (end = i + 4);
    else if (text.startsWith('gt;', i + 1)) (ch = '>'), (end = i + 4);
    else {
      // look for the ';' within 10 chars only: an unbounded search per '&' would be quadratic
      for (let j = i + 2, stop = Math.min(text.length, i + 11); j < stop; j++) {
        const c = text.charCodeAt(j);
        if (c === 59 /* ; */) {
          ch = entity(text.slice(i + 1, j));
          end = j + 1;
          break;
        }
        if (c === AMP) break;
      }
    }
    if (ch !== undefined) {
      out += text.slice(last, i) + ch;
      last = end;
    }
    i = text.indexOf('&', i + 1);
  }
  return out + text.slice(last);
}

function entity(ref: string): string | undefined {
  if (ref.charCodeAt(0) !== 35 /* # */) return Object.hasOwn(ENTITIES, ref) ? ENTITIES[ref] : undefined;
  const hex = ref[1] === 'x' || ref[1] === 'X';
  const digits = ref.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return undefined;
  const cp = parseInt(digits, hex ? 16 : 10);
  return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;
}

function truncated(src: string, offset: number, what: string): StatementParseError {
  return new StatementParseError('TRUNCATED', `OFX ends inside ${what}`, { offset, line: lineOf(src, offset) });
}

/**
 * Reads the text run starting at `from` up to the next markup. Returns the trimmed, decoded text
 * ('' when blank) and sets textEnd to the index of the '<' that ends it (src.length at EOF).
 * A '<' not followed by a name, '/', '!' or '?' is literal text; CDATA sections are part of the text.
 */
let textEnd = 0; // second result of readText (a module variable: no result object per element)

function readText(src: string, from: number): string {
  let pieces: string | undefined;
  let segStart = from;
  let i = from;
  const n = src.length;
  for (;;) {
    const lt = src.indexOf('<', i);
    if (lt === -1) {
      i = n;
      break;
    }
    const c = src.charCodeAt(lt + 1);
    if (c === BANG && src.startsWith('<![CDATA[', lt)) {
      const close = src.indexOf(']]>', lt + 9);
      if (close === -1) throw truncated(src, lt, 'a CDATA section');
      pieces = (pieces ?? '') + decodeSegment(src, segStart, lt) + src.slice(lt + 9, close);
      segStart = i = close + 3;
      continue;
    }
    if (isNameStart(c) || c === SLASH || c === BANG || c === QUESTION) {
      i = lt;
      break;
    }
    i = lt + 1; // literal '<'
  }
  textEnd = i;
  if (pieces === undefined) return trimmedSlice(src, from, i);
  pieces += decodeSegment(src, segStart, i);
  return pieces.trim();
}

function decodeSegment(src: string, a: number, b: number): string {
  const seg = src.slice(a, b);
  return seg.indexOf('&') === -1 ? seg : decodeEntities(seg);
}

function trimmedSlice(src: string, a: number, b: number): string {
  while (a < b && isWs(src.charCodeAt(a))) a++;
  while (b > a && isWs(src.charCodeAt(b - 1))) b--;
  if (a === b) return '';
  const seg = src.slice(a, b);
  for (let k = 0; k < seg.length; k++) if (seg.charCodeAt(k) === AMP) return decodeEntities(seg);
  return seg;
}

/** Builds the element tree of an OFX document (any text before the first tag, e.g. the SGML header, is skipped). */
export function buildTree(src: string, onClose?: CloseHook): OfxTree {
  const n = src.length;
  const roots: OfxNode[] = [];
  const stack: OfxNode[] = [];
  const dissolvedAtOpen: number[] = []; // per open element: dissolutions so far (tells if its subtree has any)
  let dissolutions = 0;
  const openCount = new Map<string, number>();
  const names = new Map<string, string>(); // one string per distinct tag name
  let dissolvedAny = false;
  let pos = 0;


  while (pos < n) {
    const lt = src.indexOf('<', pos);
    if (lt === -1) break;
    const c = src.charCodeAt(lt + 1);

    if (c === SLASH) {
      // end tag
      let j = lt + 2;
      while (j < n && isWs(src.charCodeAt(j))) j++;
      const nameStart = j;
      while (j < n && isNameChar(src.charCodeAt(j))) j++;
      const name = src.slice(nameStart, j);
      const gt = src.charCodeAt(j) === GT ? j : src.indexOf('>', j);
      if (gt === -1) throw truncated(src, lt, `the end tag </${name.slice(0, 40)}`);
      pos = gt + 1;
      const open = openCount.get(name);
      if (!open) continue; // end tag of a leaf (already closed by its text) or a stray one
      for (;;) {
        const top = stack.pop()!;
        const before = dissolvedAtOpen.pop()!;
        openCount.set(top.name, openCount.get(top.name)! - 1);
        if (top.name === name) {
          top.closed = true;
          if (top.children.length === 0) top.value = ''; // <X></X>: an empty leaf
          else if (onClose && before === dissolutions) onClose(top); // a final subtree: the hook may consume it
          break;
        }
        // never closed, so it was an empty leaf whose "children" are really its siblings
        top.dissolved = true;
        top.value = '';
        dissolvedAny = true;
        dissolutions++;
      }
      continue;
    }

    if (c === BANG) {
      // comment, CDATA outside a leaf, DOCTYPE: skipped
      let end: number;
      if (src.startsWith('<!--', lt)) {
        end = src.indexOf('-->', lt + 4);
        if (end === -1) throw truncated(src, lt, 'a comment');
        pos = end + 3;
      } else if (src.startsWith('<![CDATA[', lt)) {
        end = src.indexOf(']]>', lt + 9);
        if (end === -1) throw truncated(src, lt, 'a CDATA section');
        pos = end + 3;
      } else {
        end = src.indexOf('>', lt + 2);
        if (end === -1) throw truncated(src, lt, 'a declaration');
        pos = end + 1;
      }
      continue;
    }

    if (c === QUESTION) {
      const end = src.indexOf('?>', lt + 2);
      if (end === -1) throw truncated(src, lt, 'a processing instruction');
      pos = end + 2;
      continue;
    }

    if (!isNameStart(c)) {
      pos = lt + 1; // a literal '<' outside any leaf
      continue;
    }

    // start tag
    let j = lt + 2;
    while (j < n && isNameChar(src.charCodeAt(j))) j++;
    const sliced = src.slice(lt + 1, j);
    let name = names.get(sliced);
    if (name === undefined) names.set(sliced, (name = sliced));
    const gt = src.charCodeAt(j) === GT ? j : src.indexOf('>', j);
    if (gt === -1) throw truncated(src, lt, `the start tag <${name.slice(0, 40)}`);
    const parent = stack.length ? stack[stack.length - 1] : null;

    if (gt - 1 >= j && src.charCodeAt(gt - 1) === SLASH) {
      // <X/>: an empty leaf
      const node = makeNode(name, '', parent, lt);
      if (parent) addChild(parent, node);
      else roots.push(node);
      pos = gt + 1;
      continue;
    }

    const text = readText(src, gt + 1);
    pos = textEnd;
    const node = makeNode(name, text !== '' ? text : undefined, parent, lt);
    if (parent) addChild(parent, node);
    else roots.push(node);
    if (text === '') {
      stack.push(node);
      dissolvedAtOpen.push(dissolutions);
      openCount.set(name, (openCount.get(name) ?? 0) + 1);
      if (stack.length > MAX_OPEN) {
        throw new StatementParseError('TOO_DEEP', `more than ${MAX_OPEN} nested open elements`, { offset: lt, line: lineOf(src, lt) });
      }
    }
  }

  // Elements still open at EOF stay aggregates (closed === false tells a truncated file).
  return { roots: dissolvedAny ? rehome(roots) : roots, src };
}

/**
 * Re-attaches the children of dissolved elements to their nearest non-dissolved ancestor. An
 * iterative pre-order walk (document order), carrying each node's new parent down: O(nodes).
 */
function rehome(roots: OfxNode[]): OfxNode[] {
  const out: OfxNode[] = [];
  const nodes: OfxNode[] = [];
  const hosts: (OfxNode | null)[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    nodes.push(roots[i]);
    hosts.push(null);
  }
  while (nodes.length) {
    const node = nodes.pop()!;
    const host = hosts.pop()!;
    const kids = node.children;
    node.children = NO_CHILDREN; // rebuilt as its descendants are visited
    node.parent = host;
    if (host) addChild(host, node);
    else out.push(node);
    const childHost = node.dissolved ? host : node;
    for (let i = kids.length - 1; i >= 0; i--) {
      nodes.push(kids[i]);
      hosts.push(childHost);
    }
  }
  return out;
}

/** The first child element of that name. */
export function child(node: OfxNode | undefined, name: string): OfxNode | undefined {
  if (!node) return undefined;
  const kids = node.children;
  for (let i = 0; i < kids.length; i++) if (kids[i].name === name) return kids[i];
  return undefined;
}

/** The value of a leaf child; undefined when absent; '' when empty. */
export function leaf(node: OfxNode | undefined, name: string): string | undefined {
  return child(node, name)?.value;
}

/** The element path of a node, e.g. "OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS/BANKTRANLIST/STMTTRN[3]/TRNAMT". */
export function pathOf(node: OfxNode, leafName?: string): string {
  const parts: string[] = [];
  for (let n: OfxNode | null = node; n; n = n.parent) {
    let part = n.name;
    const siblings: OfxNode[] | undefined = n.parent?.children;
    if (siblings) {
      let index = 0, count = 0;
      for (const s of siblings) {
        if (s.name === n.name) {
          count++;
          if (s === n) index = count;
        }
      }
      if (count > 1 || LIST_ITEMS.has(n.name)) part += `[${index}]`;
    }
    parts.push(part);
  }
  parts.reverse();
  if (leafName) parts.push(leafName);
  return parts.join('/');
}

/** Elements that are items of a list: their path always carries an index, even when there is one. */
const LIST_ITEMS = new Set(['STMTTRN', 'STMTTRNP', 'CCCLOSING']);

/** The <OFX> element: the first root of that name, else the first one nested anywhere (depth first). */
export function findOfx(roots: OfxNode[]): OfxNode | undefined {
  for (const r of roots) if (r.name === 'OFX') return r;
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.name === 'OFX') return n;
    for (const c of n.children) stack.push(c);
  }
  return undefined;
}

/**
 * The <OFX> element of a document, for readers that only look things up (OFX client responses, the
 * sandbox bank's requests). An element left open at EOF is kept as read. Throws StatementParseError.
 */
export function readOfx(src: string): OfxNode {
  const ofx = findOfx(buildTree(src).roots);
  if (!ofx) throw new StatementParseError('NOT_OFX', 'no <OFX> element found');
  return ofx;
}

/**
 * The first element reached by a path of names, each a descendant (not only a child) of the one
 * before, depth first in document order: find(ofx, 'SONRS', 'STATUS', 'CODE'). A match of a name is
 * not searched for that name again, so each node is visited at most once per path step.
 */
export function find(node: OfxNode | undefined, ...path: string[]): OfxNode | undefined {
  return node && findFrom(node, path, 0);
}

function findFrom(node: OfxNode, path: string[], step: number): OfxNode | undefined {
  if (step === path.length) return node;
  for (const c of node.children) {
    const hit = c.name === path[step] ? findFrom(c, path, step + 1) : c.children.length > 0 ? findFrom(c, path, step) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

/** All descendants named `name`, in document order (not looking inside a match). */
export function findAll(node: OfxNode | undefined, name: string): OfxNode[] {
  const out: OfxNode[] = [];
  if (node) collect(node, name, out);
  return out;
}

function collect(node: OfxNode, name: string, out: OfxNode[]): void {
  for (const c of node.children) {
    if (c.name === name) out.push(c);
    else if (c.children.length > 0) collect(c, name, out);
  }
}

/** The value of the first element at `path` (see find); undefined when absent or an aggregate, '' when empty. */
export function textAt(node: OfxNode | undefined, ...path: string[]): string | undefined {
  return find(node, ...path)?.value;
}
