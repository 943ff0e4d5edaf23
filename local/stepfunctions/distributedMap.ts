/**
 * A DISTRIBUTED Map run (the library ignores this mode): read items (ItemReader from S3, or
 * ItemsPath), apply ItemSelector and ItemBatcher, run one child execution per item or batch with
 * MaxConcurrency, fail with States.ExceedToleratedFailureThreshold past the tolerated failures, and
 * write ResultWriter files (manifest.json + SUCCEEDED/FAILED/PENDING) to S3 like AWS does.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DistributedMapSpec } from './definition';
import { stateError } from './errors';
import { evalPath, evalTemplate } from './template';
import { CALL_TIMEOUT_MS } from './integrations';

/** AWS runs up to 10,000 children at once when MaxConcurrency is 0/unset; in one local process we cap it. */
export const LOCAL_DEFAULT_MAX_CONCURRENCY = 100;

export interface ChildResult {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  status: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
}

export interface ChildRun {
  executionArn: string;
  done: Promise<ChildResult>;
  stop(error: string, cause: string): void;
}

export interface MapRunHost {
  region: string;
  accountId: string;
  parentMachineName: string;
  s3?: S3Client;
  /** Context object of the parent execution ($$.Execution...). */
  context: Record<string, unknown>;
  /** Aborts when the parent execution stops. */
  signal: AbortSignal;
  record(type: string, details?: Record<string, unknown>): void;
  startChild(input: unknown, mapRunArn: string): ChildRun;
  mapRunStarted(run: MapRunStatus): void;
}

export interface MapRunStatus {
  mapRunArn: string;
  stateMachineArn?: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  toleratedFailureCount: number;
  itemCounts: { total: number; succeeded: number; failed: number; aborted: number; pending: number; running: number; timedOut: number };
}

interface Unit {
  input: unknown;
  items: number;
}

export async function runDistributedMap(spec: DistributedMapSpec, input: unknown, host: MapRunHost): Promise<unknown> {
  const runId = randomUUID();
  const mapRunArn = `arn:aws:states:${host.region}:${host.accountId}:mapRun:${host.parentMachineName}/${spec.label}:${runId}`;
  host.record('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn } });
  const status: MapRunStatus = {
    mapRunArn,
    status: 'RUNNING',
    startDate: new Date(),
    maxConcurrency: 0,
    toleratedFailurePercentage: 0,
    toleratedFailureCount: 0,
    itemCounts: { total: 0, succeeded: 0, failed: 0, aborted: 0, pending: 0, running: 0, timedOut: 0 },
  };
  host.mapRunStarted(status);
  // Recorded as the parent stops, so it lands before the parent's ExecutionAborted.
  const onAbort = () => {
    status.status = 'ABORTED';
    status.stopDate = new Date();
    host.record('MapRunAborted');
  };
  host.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const out = await run(spec, input, host, mapRunArn, runId, status);
    status.status = 'SUCCEEDED';
    host.record('MapRunSucceeded');
    return out;
  } catch (e) {
    if (!host.signal.aborted) {
      status.status = 'FAILED';
      host.record('MapRunFailed', { mapRunFailedEventDetails: { error: (e as Error).name, cause: (e as Error).message } });
    }
    throw e;
  } finally {
    host.signal.removeEventListener('abort', onAbort);
    status.stopDate ??= new Date();
  }
}

async function run(spec: DistributedMapSpec, input: unknown, host: MapRunHost, mapRunArn: string, runId: string, status: MapRunStatus): Promise<unknown> {
  const items = await readItems(spec, input, host);
  const selected: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    selected.push(spec.itemSelector === undefined ? items[i] : await evalTemplate(spec.itemSelector, input, { ...host.context, Map: { Item: { Index: i, Value: items[i] } } }));
  }
  const units = await batch(spec, selected, input, host);
  const maxConcurrency = (spec.maxConcurrencyPath ? Number(await evalPath(spec.maxConcurrencyPath, input, host.context)) : spec.maxConcurrency) || LOCAL_DEFAULT_MAX_CONCURRENCY;
  const pct = spec.toleratedFailurePercentagePath ? Number(await evalPath(spec.toleratedFailurePercentagePath, input, host.context)) : spec.toleratedFailurePercentage;
  const count = spec.toleratedFailureCountPath ? Number(await evalPath(spec.toleratedFailureCountPath, input, host.context)) : spec.toleratedFailureCount;
  const total = selected.length;
  Object.assign(status, { maxConcurrency, toleratedFailurePercentage: pct ?? 0, toleratedFailureCount: count ?? 0 });
  status.itemCounts.total = total;
  status.itemCounts.pending = total;
  // AWS: the run fails once failures exceed either threshold; with neither set, any failure does.
  const exceeds = (failed: number) =>
    pct === undefined && count === undefined ? failed > 0 : (pct !== undefined && (failed * 100) / Math.max(total, 1) > pct) || (count !== undefined && failed > count);

  const results: (ChildResult | undefined)[] = new Array(units.length);
  const running = new Set<ChildRun>();
  let next = 0;
  let failedItems = 0;
  let exceeded = false;
  const stopAll = (error: string, cause: string) => running.forEach((c) => c.stop(error, cause));
  const onAbort = () => stopAll('States.Aborted', 'The parent execution was stopped');
  host.signal.addEventListener('abort', onAbort);
  const worker = async () => {
    while (!exceeded && !host.signal.aborted && next < units.length) {
      const i = next++;
      const child = host.startChild(units[i].input, mapRunArn);
      running.add(child);
      status.itemCounts.pending -= units[i].items;
      status.itemCounts.running += units[i].items;
      const r = await child.done;
      running.delete(child);
      results[i] = r;
      status.itemCounts.running -= units[i].items;
      const bucket = r.status === 'SUCCEEDED' ? 'succeeded' : r.status === 'ABORTED' ? 'aborted' : r.status === 'TIMED_OUT' ? 'timedOut' : 'failed';
      status.itemCounts[bucket] += units[i].items;
      if (r.status !== 'SUCCEEDED' && !exceeded) {
        failedItems += units[i].items;
        if (exceeds(failedItems)) {
          exceeded = true;
          stopAll('States.ExceedToleratedFailureThreshold', 'The Map Run failed: the tolerated failure threshold was exceeded');
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(maxConcurrency, units.length) }, worker));
  } finally {
    host.signal.removeEventListener('abort', onAbort);
  }
  if (host.signal.aborted) throw stateError('States.Aborted', 'The parent execution was stopped', { retryable: false, catchable: false });

  let output: unknown;
  if (spec.resultWriter) output = await writeResults(spec, input, host, mapRunArn, runId, results);
  else output = results.filter((r): r is ChildResult => r !== undefined).flatMap((r) => formatEntry(r, 'COMPACT'));
  if (exceeded) throw stateError('States.ExceedToleratedFailureThreshold', `The specified tolerated failure threshold was exceeded: ${failedItems} of ${total} items failed`);
  return output;
}

async function readItems(spec: DistributedMapSpec, input: unknown, host: MapRunHost): Promise<unknown[]> {
  const r = spec.itemReader;
  if (!r) {
    const items = await evalPath(spec.itemsPath ?? '$', input, host.context);
    if (!Array.isArray(items)) throw stateError('States.Runtime', `Map items (ItemsPath ${spec.itemsPath ?? '$'}) must be an array`);
    return items;
  }
  const params = (await evalTemplate(r.parameters ?? {}, input, host.context)) as Record<string, string>;
  const maxItems = r.maxItemsPath ? Number(await evalPath(r.maxItemsPath, input, host.context)) : r.maxItems;
  let items: unknown[];
  try {
    items = r.resource === 'listObjectsV2' ? await listObjects(host.s3!, params) : parseItems(await getObjectText(host.s3!, params), r);
  } catch (e) {
    if ((e as Error).name?.startsWith('States.')) throw e;
    throw stateError('States.ItemReaderFailed', `ItemReader failed: ${(e as Error).message}`);
  }
  return maxItems ? items.slice(0, maxItems) : items;
}

async function getObjectText(s3: S3Client, p: Record<string, string>): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: p.Bucket, Key: p.Key, VersionId: p.VersionId }), { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  return (await res.Body?.transformToString('utf8')) ?? '';
}

async function listObjects(s3: S3Client, p: Record<string, string>): Promise<unknown[]> {
  const items: unknown[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: p.Bucket, Prefix: p.Prefix, ContinuationToken: token }), { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    for (const o of res.Contents ?? []) {
      items.push({ Etag: o.ETag, Key: o.Key, LastModified: o.LastModified ? Math.floor(o.LastModified.getTime() / 1000) : undefined, Size: o.Size, StorageClass: o.StorageClass });
    }
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return items;
}

function parseItems(text: string, r: NonNullable<DistributedMapSpec['itemReader']>): unknown[] {
  if (r.inputType === 'JSON') {
    const v = JSON.parse(text);
    if (!Array.isArray(v)) throw stateError('States.ItemReaderFailed', 'The ItemReader JSON object is not an array');
    return v;
  }
  if (r.inputType === 'JSONL') return text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const rows = parseCsv(text);
  const headers = r.csvHeaderLocation === 'GIVEN' ? r.csvHeaders! : (rows.shift() ?? []);
  return rows.map((row) => Object.fromEntries(headers.map((h, i) => [h, row[i] ?? ''])));
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF; blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function batch(spec: DistributedMapSpec, items: unknown[], input: unknown, host: MapRunHost): Promise<Unit[]> {
  const b = spec.itemBatcher;
  if (!b) return items.map((v) => ({ input: v, items: 1 }));
  const batchInput = b.batchInput === undefined ? undefined : await evalTemplate(b.batchInput, input, host.context);
  const maxItems = b.maxItemsPerBatch ?? Infinity;
  const maxBytes = b.maxInputBytesPerBatch ?? Infinity;
  const units: Unit[] = [];
  let cur: unknown[] = [];
  let bytes = 0;
  const flush = () => {
    if (cur.length === 0) return;
    units.push({ input: batchInput === undefined ? { Items: cur } : { BatchInput: batchInput, Items: cur }, items: cur.length });
    cur = [];
    bytes = 0;
  };
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (cur.length > 0 && (cur.length >= maxItems || bytes + size > maxBytes)) flush();
    cur.push(item);
    bytes += size;
  }
  flush();
  return units;
}

/** One child's entry in the output or a result file, per WriterConfig.Transformation (failures stay NONE-shaped). */
function formatEntry(r: ChildResult, transformation: 'NONE' | 'COMPACT' | 'FLATTEN'): unknown[] {
  if (r.status === 'SUCCEEDED' && transformation !== 'NONE') {
    const out = JSON.parse(r.output ?? 'null');
    return transformation === 'FLATTEN' && Array.isArray(out) ? out : [out];
  }
  const entry: Record<string, unknown> = {
    ExecutionArn: r.executionArn,
    Input: r.input,
    InputDetails: { Included: true },
    Name: r.name,
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    RedriveStatusReason: `Execution is ${r.status} and cannot be redriven`,
    StartDate: r.startDate.toISOString(),
    StateMachineArn: r.stateMachineArn,
    Status: r.status,
    StopDate: r.stopDate?.toISOString(),
  };
  if (r.status === 'SUCCEEDED') Object.assign(entry, { Output: r.output, OutputDetails: { Included: true } });
  else Object.assign(entry, { Error: r.error, Cause: r.cause });
  return [entry];
}

async function writeResults(
  spec: DistributedMapSpec,
  input: unknown,
  host: MapRunHost,
  mapRunArn: string,
  runId: string,
  results: (ChildResult | undefined)[],
): Promise<unknown> {
  const w = spec.resultWriter!;
  const params = (await evalTemplate(w.parameters, input, host.context)) as { Bucket?: string; Prefix?: string };
  if (!params.Bucket) throw stateError('States.ResultWriterFailed', 'ResultWriter needs Parameters.Bucket');
  const base = [params.Prefix?.replace(/\/+$/, ''), runId].filter((s) => s).join('/');
  const groups: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', unknown[]> = { SUCCEEDED: [], FAILED: [], PENDING: [] };
  for (const r of results) {
    if (!r) continue;
    groups[r.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED'].push(...formatEntry(r, w.transformation));
  }
  const ext = w.outputType === 'JSONL' ? 'jsonl' : 'json';
  const manifest = { DestinationBucket: params.Bucket, MapRunArn: mapRunArn, ResultFiles: { FAILED: [] as unknown[], PENDING: [] as unknown[], SUCCEEDED: [] as unknown[] } };
  const put = async (key: string, body: string) => {
    try {
      await host.s3!.send(new PutObjectCommand({ Bucket: params.Bucket, Key: key, Body: body, ContentType: 'application/json' }), { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    } catch (e) {
      throw stateError('States.ResultWriterFailed', `ResultWriter could not write s3://${params.Bucket}/${key}: ${(e as Error).message}`);
    }
  };
  // Children never started (the run failed first) have no execution to report, so PENDING stays empty.
  for (const kind of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    const entries = groups[kind];
    if (entries.length === 0) continue;
    const key = `${base}/${kind}_0.${ext}`;
    const body = w.outputType === 'JSONL' ? entries.map((e) => JSON.stringify(e)).join('\n') : JSON.stringify(entries);
    await put(key, body);
    manifest.ResultFiles[kind].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${base}/manifest.json`;
  await put(manifestKey, JSON.stringify(manifest));
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: params.Bucket, Key: manifestKey } };
}
