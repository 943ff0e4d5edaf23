/**
 * `npm run bench:parse`: our OFX parser against the npm parsers `ofx-js` and `node-ofx-parser`, in one
 * process, on the same strings: every OFX/QFX fixture plus a generated large statement (a few MB,
 * so MB/s means something). Prints throughput, our ratio to each peer, and which files each parser
 * fails on. A peer "fails" a file when it throws, or returns no transactions although the file has
 * some (counted as <STMTTRN> start tags in the raw text, independently of any parser).
 * Each figure is the median run after warm-up (robust to GC pauses and a busy machine).
 * Prints figures only; it never fails on timing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
import { decodeStatement } from '../lambdas/shared/statements/decode';

const FIXTURES = '/work/shared/fixtures/statements';
const MIN_MS = 400; // measure each parser on each input for at least this long

type Parse = (text: string) => unknown;
interface Peer {
  name: string;
  parse: Parse;
  /** Transactions in the parser's output. */
  count: (out: unknown) => number;
}

/** Counts STMTTRN items anywhere in a peer's plain-object output. */
function countStmttrn(out: unknown): number {
  let n = 0;
  const stack: unknown[] = [out];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'STMTTRN' || k === 'STMTTRNP') n += Array.isArray(child) ? child.length : 1;
      stack.push(child);
    }
  }
  return n;
}

function rawTransactionCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('<STMTTRN>'); i !== -1; i = text.indexOf('<STMTTRN>', i + 1)) n++;
  return n;
}

/** A synthetic SGML (OFX 1.x, unclosed leaves) bank statement of `count` transactions. */
function largeStatement(count: number): string {
  const head =
    'OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n' +
    '<OFX>\r\n<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240105120000[-5:EST]<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>\r\n' +
    '<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\r\n<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>021000021<ACCTID>000123456789<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n' +
    '<BANKTRANLIST><DTSTART>20230101<DTEND>20231231\r\n';
  const parts: string[] = [head];
  for (let i = 0; i < count; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    const cents = String(i % 100).padStart(2, '0');
    parts.push(
      `<STMTTRN>\r\n<TRNTYPE>${i % 3 ? 'DEBIT' : 'CREDIT'}\r\n<DTPOSTED>2023${month}${day}120000.000[-5:EST]\r\n<TRNAMT>${i % 3 ? '-' : ''}${(i % 997) + 1}.${cents}\r\n` +
        `<FITID>${String(i).padStart(12, '0')}\r\n<NAME>MERCHANT ${i % 113} &amp; CO\r\n<MEMO>POS PURCHASE REF ${i} CARD 1234\r\n</STMTTRN>\r\n`,
    );
  }
  parts.push('</BANKTRANLIST><LEDGERBAL><BALAMT>1234.56<DTASOF>20231231</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n');
  return parts.join('');
}

// A full GC before each timed run, so no parser pays for the garbage another one left behind.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Median time of one run of each job. Jobs are interleaved round by round (A B C A B C ...) after a
 * warm-up, so a busy machine slows them all alike; each round runs at least MIN_MS per job overall.
 */
function timeAll(jobs: Record<string, () => void>): Record<string, number> {
  const names = Object.keys(jobs);
  for (const name of names) for (let i = 0; i < 3; i++) jobs[name](); // warm-up: JIT-compile every parser
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const total: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  while (names.some((n) => total[n] < MIN_MS || times[n].length < 7)) {
    for (const name of names) {
      gc();
      const start = process.hrtime.bigint();
      jobs[name]();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      times[name].push(ms);
      total[name] += ms;
    }
  }
  return Object.fromEntries(names.map((n) => [n, times[n].sort((a, b) => a - b)[times[n].length >> 1]]));
}

function attempt(peer: Peer, text: string): { ok: boolean; tx: number; error?: string } {
  try {
    const tx = peer.count(peer.parse(text));
    return { ok: true, tx };
  } catch (e) {
    const err = e as Error;
    return { ok: false, tx: 0, error: `${err?.name ?? 'Error'}: ${String(err?.message ?? e).slice(0, 70)}` };
  }
}

async function main(): Promise<void> {
  const ofxJs = (await import('ofx-js')) as { parseSync: Parse };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeOfx = require('node-ofx-parser') as { parse: Parse };
  const peers: Peer[] = [
    {
      name: 'ledgerflow',
      parse: parseOfx as Parse,
      count: (out) => (out as ReturnType<typeof parseOfx>).statements.reduce((n, s) => n + s.transactions.length, 0),
    },
    { name: 'ofx-js', parse: ofxJs.parseSync, count: countStmttrn },
    { name: 'node-ofx-parser', parse: nodeOfx.parse, count: countStmttrn },
  ];

  const files: { name: string; text: string }[] = [];
  for (const dir of ['ofxparse', 'ofx-js']) {
    for (const f of readdirSync(join(FIXTURES, dir)).sort()) {
      if (!/\.(ofx|qfx)$/i.test(f)) continue;
      files.push({ name: `${dir}/${f}`, text: decodeStatement(readFileSync(join(FIXTURES, dir, f))) });
    }
  }
  const large = largeStatement(20000);
  const corpusChars = files.reduce((n, f) => n + f.text.length, 0);

  console.log(`node ${process.version}; corpus: ${files.length} fixture files (${(corpusChars / 1024).toFixed(1)} KB) + generated statement (${(large.length / 1048576).toFixed(2)} MB, 20000 transactions)\n`);

  // Correctness: which files each parser fails on.
  console.log('Failures (throws, or no transactions where the file has <STMTTRN>):');
  for (const peer of peers) {
    const failures: string[] = [];
    for (const f of [...files, { name: 'generated-large.ofx', text: large }]) {
      const expected = rawTransactionCount(f.text);
      const r = attempt(peer, f.text);
      if (!r.ok) failures.push(`${f.name} (${r.error})`);
      else if (expected > 0 && r.tx === 0) failures.push(`${f.name} (0 of ${expected} transactions)`);
    }
    console.log(`  ${peer.name}: ${failures.length} of ${files.length + 1}`);
    for (const f of failures) console.log(`    - ${f}`);
  }
  console.log(
    '  (ledgerflow\'s "failures" are its typed errors: investment statements -> UnsupportedStatementError,\n' +
      '   STATUS errors -> NeedsUserError/InstitutionError, invalid dates/amounts -> StatementParseError)\n',
  );

  // Throughput.
  const quietly = (fn: () => unknown) => () => {
    try {
      fn();
    } catch {
      /* failures are reported above */
    }
  };
  const bytesLarge = new TextEncoder().encode(large);
  const largeMs = timeAll({
    ...Object.fromEntries(peers.map((p) => [p.name, quietly(() => p.parse(large))])),
    'ledgerflow (bytes)': () => parseOfx(bytesLarge),
  });
  const corpusMs = timeAll(Object.fromEntries(peers.map((p) => [p.name, quietly(() => files.forEach((f) => p.parse(f.text)))])));
  const mbps = (chars: number, ms: number) => chars / 1048576 / (ms / 1000);
  const results: Record<string, { large: number; corpus: number }> = {};
  for (const peer of peers) results[peer.name] = { large: mbps(large.length, largeMs[peer.name]), corpus: mbps(corpusChars, corpusMs[peer.name]) };
  const oursBytes = mbps(bytesLarge.length, largeMs['ledgerflow (bytes)']);

  console.log('Throughput (MB of input per second, median run; strings, same input for all):');
  console.log('  parser            large statement   fixture corpus');
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(16)}  ${r.large.toFixed(1).padStart(10)} MB/s   ${r.corpus.toFixed(1).padStart(10)} MB/s`);
  }
  console.log(`  ledgerflow on bytes (Uint8Array incl. charset decoding): ${oursBytes.toFixed(1)} MB/s on the large statement`);
  const us = results['ledgerflow'];
  console.log('\nRatio ledgerflow / peer:');
  for (const name of ['ofx-js', 'node-ofx-parser']) {
    const r = results[name];
    console.log(`  vs ${name.padEnd(16)} large ${(us.large / r.large).toFixed(1)}x   corpus ${(us.corpus / r.corpus).toFixed(1)}x`);
  }
  const fastest = Math.max(results['ofx-js'].large, results['node-ofx-parser'].large);
  console.log(`  vs the faster peer on the large statement: ${(us.large / fastest).toFixed(1)}x (target >= 5x)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
