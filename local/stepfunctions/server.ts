/**
 * The AWS JSON 1.0 protocol over HTTP: POST / with X-Amz-Target: AWSStepFunctions.<Op> and a JSON
 * body; answers application/x-amz-json-1.0 with timestamps as epoch seconds, errors as
 * {"__type","message"} (400 for client errors), which @aws-sdk/client-sfn decodes unmodified.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http-body';
import { SfnApiError } from './errors';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const TARGET_PREFIX = 'AWSStepFunctions.';

export type ApiCall = (op: string, body: Record<string, unknown>) => Promise<unknown>;

/** JSON with Dates as epoch seconds (the protocol's timestamp format). */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = encode(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': cryptoId() });
  res.end(text);
}

function cryptoId(): string {
  return globalThis.crypto.randomUUID();
}


export function createSfnServer(call: ApiCall): http.Server {
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== 'POST') throw new SfnApiError('UnknownOperationException', 'Only POST is supported', 404);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target.startsWith(TARGET_PREFIX)) throw new SfnApiError('UnknownOperationException', `Unknown X-Amz-Target '${target}'`);
      const raw = await readBody(req, MAX_BODY_BYTES);
      if (raw === null) throw new SfnApiError('ValidationException', 'Request body too large', 413);
      const text = raw.toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new SfnApiError('SerializationException', 'Request body is not valid JSON');
      }
      send(res, 200, (await call(target.slice(TARGET_PREFIX.length), body)) ?? {});
    } catch (e) {
      if (e instanceof SfnApiError) send(res, e.status, { __type: e.type, message: e.message });
      else send(res, 500, { __type: 'InternalServerError', message: (e as Error)?.message ?? String(e) });
    }
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}
