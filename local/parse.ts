/**
 * `npm run parse -- FILE...`: parse statement files (OFX/QFX, CAMT.053, MT940) and print the
 * normalized result to stdout.
 *
 * Output: one JSON document per file, in argument order. With one file it is pretty-printed; with
 * several, each document is on one line (JSON Lines), so line N is file N.
 *   success: { "statements": [...] }
 *   failure: { "error": { "code", "message", "location"? } }   (message starts with the file name)
 * Exit code: 0 when every file parsed, 1 when any failed, 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LedgerFlowError } from '../lambdas/shared/errors';
import { parseStatementFile } from '../lambdas/shared/statements';

function parseOne(file: string): { ok: boolean; doc: unknown } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return { ok: false, doc: { error: { code: 'READ_ERROR', message: `${file}: ${(e as Error).message}` } } };
  }
  try {
    return { ok: true, doc: parseStatementFile(bytes, basename(file)) };
  } catch (e) {
    if (e instanceof LedgerFlowError) {
      const json = e.toJSON() as { code: string; message: string };
      // index.ts already names the file (by its base name) in some messages: name it once, by its path.
      const own = `${basename(file)}: `;
      const message = json.message.startsWith(own) ? json.message.slice(own.length) : json.message;
      return { ok: false, doc: { error: { ...json, name: e.name, message: `${file}: ${message}` } } };
    }
    return { ok: false, doc: { error: { code: 'INTERNAL', message: `${file}: ${(e as Error)?.message ?? String(e)}` } } };
  }
}

function main(argv: string[]): number {
  const files = argv.filter((a) => a !== '--');
  if (files.length === 0 || files.includes('--help') || files.includes('-h')) {
    process.stderr.write('usage: npm run parse -- FILE...\n');
    return files.length === 0 ? 2 : 0;
  }
  let failed = false;
  for (const file of files) {
    const { ok, doc } = parseOne(file);
    failed ||= !ok;
    process.stdout.write(JSON.stringify(doc, null, files.length === 1 ? 2 : undefined) + '\n');
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
