/**
 * One OFX Direct Connect HTTP exchange with explicit timeouts, mapped onto the error taxonomy.
 *
 * node:http/https are used directly because a fetch AbortSignal cannot tell a connect that hangs
 * (dead host, SYN dropped) from a bank that is slow to answer: here `connectMs` bounds DNS + TCP
 * (+ TLS) and `responseMs` bounds everything after the connection is up until the last body byte.
 * Messages name the endpoint and the failure only: the request body (it holds the password) is
 * never put into an error.
 */
import http from 'node:http';
import https from 'node:https';
import { TransientError } from '../errors';

export interface Timeouts {
  connectMs: number;
  responseMs: number;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface PostOptions {
  timeouts: Timeouts;
  /** Keep-alive agent shared by the calls of one download. */
  agent?: http.Agent;
  /** A fetch-compatible function instead of node:http (only an overall deadline applies then). */
  fetchImpl?: FetchLike;
  /** Largest response accepted; default 20 MB. */
  maxBytes?: number;
  /** Aborts the exchange with the signal's reason (the caller no longer wants the answer). */
  signal?: AbortSignal;
}

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const HEADERS = { 'content-type': 'application/x-ofx', accept: 'application/x-ofx, application/xml;q=0.9, */*;q=0.1' };

/** POSTs an OFX request and returns the body of a 2xx answer; anything else throws TransientError. */
export async function postOfx(url: string, body: string, options: PostOptions): Promise<string> {
  options.signal?.throwIfAborted();
  const target = new URL(url);
  const where = `${target.origin}${target.pathname}`;
  if (options.fetchImpl) return viaFetch(options.fetchImpl, target, where, body, options);
  const { status, retryAfter, text } = await viaNode(target, where, body, options);
  checkHttpStatus(status, retryAfter, where);
  return text;
}

function checkHttpStatus(status: number, retryAfter: string | null, where: string): void {
  if (status >= 200 && status < 300) return;
  const after = retryAfterSeconds(retryAfter);
  if (status === 429) throw new TransientError('RATE_LIMITED', `${where} answered HTTP 429 (rate limited)`, after);
  if (status === 408) throw new TransientError('TIMEOUT', `${where} answered HTTP 408`, after);
  if (status >= 500) throw new TransientError('INSTITUTION_DOWN', `${where} answered HTTP ${status}`, after);
  throw new TransientError('INSTITUTION_ERROR', `${where} answered HTTP ${status}`, after);
}

/** Retry-After as delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

interface RawAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

function viaNode(target: URL, where: string, body: string, options: PostOptions): Promise<RawAnswer> {
  const { connectMs, responseMs } = options.timeouts;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new TransientError('NETWORK', `unsupported URL scheme ${target.protocol}`));
  const payload = Buffer.from(body, 'utf8');

  return new Promise<RawAnswer>((resolve, reject) => {
    let settled = false;
    let responseTimer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, answer?: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(answer!);
    };
    const startResponseTimer = () => {
      clearTimeout(connectTimer);
      responseTimer ??= setTimeout(
        () => finish(new TransientError('TIMEOUT', `${where} did not answer within ${responseMs} ms`)),
        responseMs,
      );
    };
    const connectTimer = setTimeout(() => finish(new TransientError('TIMEOUT', `connecting to ${target.host} timed out after ${connectMs} ms`)), connectMs);
    const onAbort = () => finish(options.signal!.reason as Error);
    options.signal?.addEventListener('abort', onAbort);

    const req = (secure ? https : http).request(target, {
      method: 'POST',
      agent: options.agent,
      headers: { ...HEADERS, 'content-length': String(payload.length) },
    });
    req.on('socket', (socket) => {
      if (!socket.connecting) return startResponseTimer(); // reused keep-alive connection
      socket.once(secure ? 'secureConnect' : 'connect', startResponseTimer);
    });
    req.on('error', (e) => finish(networkError(e, where)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) return finish(new TransientError('INSTITUTION_ERROR', `${where} answered more than ${maxBytes} bytes`));
        chunks.push(c);
      });
      res.on('error', (e) => finish(networkError(e, where)));
      res.on('close', () => {
        if (!res.complete) finish(new TransientError('NETWORK', `${where} closed the connection before the response was complete`));
      });
      res.on('end', () =>
        finish(null, {
          status: res.statusCode ?? 0,
          retryAfter: headerValue(res.headers['retry-after']),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.end(payload);
  });
}

function headerValue(v: string | string[] | undefined): string | null {
  return v === undefined ? null : Array.isArray(v) ? v[0] : v;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Resets, refusals, DNS failures, TLS failures: the network, not the bank's answer. */
function networkError(e: unknown, where: string): TransientError {
  if (e instanceof TransientError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  if (TIMEOUT_CODES.has(code)) return new TransientError('TIMEOUT', `${where}: ${code}`);
  return new TransientError('NETWORK', `${where}: ${code || err?.message || 'network error'}`);
}

async function viaFetch(fetchImpl: FetchLike, target: URL, where: string, body: string, options: PostOptions): Promise<string> {
  const { connectMs, responseMs } = options.timeouts;
  const deadline = AbortSignal.timeout(connectMs + responseMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  try {
    const res = await fetchImpl(target.toString(), { method: 'POST', headers: { ...HEADERS }, body, signal });
    checkHttpStatus(res.status, res.headers.get('retry-after'), where);
    const text = await res.text();
    if (Buffer.byteLength(text) > (options.maxBytes ?? DEFAULT_MAX_BYTES)) throw new TransientError('INSTITUTION_ERROR', `${where} answered too many bytes`);
    return text;
  } catch (e) {
    if (e instanceof TransientError) throw e;
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.aborted) throw new TransientError('TIMEOUT', `${where} did not answer within ${connectMs + responseMs} ms`);
    const cause = (e as { cause?: unknown }).cause;
    throw networkError(cause ?? e, where);
  }
}
