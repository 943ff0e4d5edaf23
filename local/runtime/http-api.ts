/**
 * API Gateway HTTP API, locally: routes from the template, each request turned into a
 * payload format 2.0 event for the route's Lambda integration, and the Lambda result mapped
 * back the way API Gateway maps it.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { readBody } from '../http-body';
import { closeServer } from './events';
import { PSEUDO } from './intrinsics';
import { LambdaInvokeResult } from './lambda';

export interface HttpRoute {
  routeKey: string;
  functionName: string;
}

type Segment = { kind: 'static'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

interface CompiledRoute extends HttpRoute {
  method: string; // 'ANY' or an HTTP method
  segments: Segment[] | 'default';
}

const INTEGRATION_TIMEOUT_MS = 30_000; // HTTP API's maximum integration timeout
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024; // HTTP API's payload limit
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]*\+(json|xml)))/i;

export function compileRoute(route: HttpRoute): CompiledRoute {
  if (route.routeKey === '$default') return { ...route, method: 'ANY', segments: 'default' };
  const m = /^(\S+)\s+(\/\S*)$/.exec(route.routeKey);
  if (!m) throw new Error(`Invalid route key ${route.routeKey}`);
  const parts = m[2].split('/').filter(Boolean);
  const segments: Segment[] = parts.map((p, i) => {
    const v = /^\{([^}]+?)(\+)?\}$/.exec(p);
    if (!v) return { kind: 'static', value: p };
    if (v[2] && i !== parts.length - 1) throw new Error(`Greedy path variable must be last in ${route.routeKey}`);
    return v[2] ? { kind: 'greedy', name: v[1] } : { kind: 'param', name: v[1] };
  });
  return { ...route, method: m[1].toUpperCase(), segments };
}

/** Path parameters if the route matches the path, else undefined. */
function matchPath(segments: Segment[], pathParts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === 'greedy') {
      if (i >= pathParts.length) return undefined;
      params[seg.name] = pathParts.slice(i).join('/');
      return params;
    }
    if (i >= pathParts.length) return undefined;
    if (seg.kind === 'static' && seg.value !== pathParts[i]) return undefined;
    if (seg.kind === 'param') params[seg.name] = pathParts[i];
  }
  return segments.length === pathParts.length ? params : undefined;
}

/** Higher is more specific: static beats {param} beats {greedy+}, a method beats ANY. */
function specificity(r: CompiledRoute): number[] {
  if (r.segments === 'default') return [-1];
  return [...r.segments.map((s) => (s.kind === 'static' ? 3 : s.kind === 'param' ? 2 : 1)), r.method === 'ANY' ? 0 : 1];
}

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface RouteMatch {
  route: CompiledRoute;
  pathParameters: Record<string, string>;
}

export function findRoute(routes: CompiledRoute[], method: string, path: string): RouteMatch | undefined {
  const parts = path.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  const candidates: RouteMatch[] = [];
  for (const route of routes) {
    if (route.segments === 'default') { candidates.push({ route, pathParameters: {} }); continue; }
    if (route.method !== 'ANY' && route.method !== method) continue;
    const params = matchPath(route.segments, parts);
    if (params) candidates.push({ route, pathParameters: params });
  }
  candidates.sort((a, b) => compareSpecificity(specificity(a.route), specificity(b.route)));
  return candidates[0];
}

export interface HttpApiOptions {
  invoke: (functionName: string, event: unknown) => Promise<LambdaInvokeResult>;
  log?: (line: string) => void;
}

export class LocalHttpApi {
  private routes: CompiledRoute[] = [];
  private apiId = 'local';
  private stageName = '$default';
  private server?: http.Server;
  endpoint = '';

  constructor(private readonly opts: HttpApiOptions) {}

  /** Routes are set after listen(): the template may refer to the API's endpoint URL. */
  configure(apiId: string, stageName: string, routes: HttpRoute[]) {
    this.routes = routes.map(compileRoute);
    this.apiId = apiId;
    this.stageName = stageName;
  }

  async listen(port: number): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.opts.log?.(`[api] ${req.method} ${req.url} failed: ${(err as Error).stack}`);
        if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }));
      });
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(port, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async close() {
    if (this.server) await closeServer(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const started = Date.now();
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    if (body === null) {
      send(res, 413, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Request Entity Too Large' }));
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const rawQueryString = q >= 0 ? url.slice(q + 1) : '';
    const method = (req.method ?? 'GET').toUpperCase();
    const stagePrefix = this.stageName === '$default' ? '' : `/${this.stageName}`;
    const routePath = stagePrefix && rawPath.startsWith(stagePrefix) ? rawPath.slice(stagePrefix.length) || '/' : rawPath;
    const match = stagePrefix && !rawPath.startsWith(stagePrefix) ? undefined : findRoute(this.routes, method, routePath);
    const requestId = randomUUID();
    if (!match) {
      send(res, 404, { 'content-type': 'application/json', 'apigw-requestid': requestId }, JSON.stringify({ message: 'Not Found' }));
      this.opts.log?.(`[api] ${method} ${rawPath} -> 404 (no route)`);
      return;
    }

    const event = buildEvent(req, {
      apiId: this.apiId, stage: this.stageName, routeKey: match.route.routeKey, requestId,
      rawPath, rawQueryString, method, pathParameters: match.pathParameters, body,
    });
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.opts.invoke(match.route.functionName, event),
      new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), INTEGRATION_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    let status: number;
    if (result === 'timeout') {
      status = 503;
      send(res, status, { 'content-type': 'application/json', 'apigw-requestid': requestId }, JSON.stringify({ message: 'Service Unavailable' }));
    } else if (result.FunctionError) {
      status = 500;
      const p = result.Payload as { errorType?: string; errorMessage?: string };
      this.opts.log?.(`[api] ${match.route.functionName} failed: ${p?.errorType}: ${p?.errorMessage}`);
      send(res, status, { 'content-type': 'application/json', 'apigw-requestid': requestId }, JSON.stringify({ message: 'Internal Server Error' }));
    } else {
      const mapped = mapResult(result.Payload);
      status = mapped.statusCode;
      send(res, status, { ...mapped.headers, 'apigw-requestid': requestId }, mapped.body, mapped.cookies);
    }
    this.opts.log?.(`[api] ${method} ${rawPath} -> ${match.route.routeKey} -> ${status} (${Date.now() - started} ms)`);
  }
}

interface EventInput {
  apiId: string;
  stage: string;
  routeKey: string;
  requestId: string;
  rawPath: string;
  rawQueryString: string;
  method: string;
  pathParameters: Record<string, string>;
  body: Buffer;
}

/** The payload format 2.0 event API Gateway sends to a Lambda integration. */
export function buildEvent(req: http.IncomingMessage, i: EventInput): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headersDistinct)) {
    if (name === 'cookie' || value === undefined) continue;
    headers[name] = value.join(',');
  }
  const cookies = req.headers.cookie ? req.headers.cookie.split(/;\s*/).filter(Boolean) : undefined;
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(i.rawQueryString)) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  const contentType = String(req.headers['content-type'] ?? '');
  const isText = i.body.length === 0 || contentType === '' || TEXT_TYPES.test(contentType);
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const host = String(req.headers.host ?? 'localhost');
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: i.routeKey,
    rawPath: i.rawPath,
    rawQueryString: i.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: PSEUDO.accountId,
      apiId: i.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: i.method,
        path: i.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: String(req.headers['user-agent'] ?? ''),
      },
      requestId: i.requestId,
      routeKey: i.routeKey,
      stage: i.stage,
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(i.pathParameters).length ? { pathParameters: i.pathParameters } : {}),
    ...(i.body.length ? { body: isText ? i.body.toString('utf8') : i.body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
  return event;
}

/** API Gateway's mapping of a payload 2.0 Lambda response to an HTTP response. */
export function mapResult(payload: unknown): { statusCode: number; headers: Record<string, string>; body: Buffer; cookies: string[] } {
  if (payload && typeof payload === 'object' && typeof (payload as any).statusCode === 'number') {
    const p = payload as { statusCode: number; headers?: Record<string, unknown>; body?: unknown; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const text = p.body === undefined || p.body === null ? '' : typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
    const body = p.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    return { statusCode: p.statusCode, headers, body, cookies: p.cookies ?? [] };
  }
  // Anything else is taken as the JSON body of a 200 response.
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(payload ?? null)), cookies: [] };
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer, cookies: string[] = []) {
  const h: Record<string, string | string[]> = { ...headers };
  if (cookies.length) h['set-cookie'] = cookies;
  h['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, h);
  res.end(body);
}


const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
