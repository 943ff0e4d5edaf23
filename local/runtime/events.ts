/**
 * EventBridge, locally: event buses from the template (plus "default") that record what is
 * put on them, in memory, queryable and logged; served over the EventBridge JSON 1.1 API
 * (AWSEvents.PutEvents) so Lambda code reaches it through AWS_ENDPOINT_URL_EVENTBRIDGE.
 * Rules and targets are not modelled: events are recorded, not routed.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { PSEUDO } from './intrinsics';

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  /** A JSON string (SDK) or an object (Step Functions' events:putEvents passes objects). */
  Detail?: string | Record<string, unknown>;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | Date;
}

export interface RecordedEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  eventBusName: string;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
}

export interface EventFilter {
  detailType?: string;
  source?: string;
  eventBusName?: string;
}

const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

export class LocalEventBus {
  private readonly events: RecordedEvent[] = [];
  private readonly buses: Set<string>;
  private readonly emitter = new EventEmitter();

  constructor(busNames: string[], private readonly log: (line: string) => void = () => {}) {
    this.buses = new Set(['default', ...busNames]);
    this.emitter.setMaxListeners(0);
  }

  busNames(): string[] {
    return [...this.buses];
  }

  put(entries: PutEventsEntry[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw Object.assign(new Error(`Entries must hold 1 to ${MAX_ENTRIES} items`), { name: 'ValidationException' });
    }
    const results = entries.map((e) => this.putOne(e));
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  list(filter: EventFilter = {}): RecordedEvent[] {
    return this.events.filter((e) => matches(e, filter));
  }

  /** Resolves with the first recorded event matching `filter` (past or future). */
  waitFor(filter: EventFilter, timeoutMs = 10_000): Promise<RecordedEvent> {
    const seen = this.events.find((e) => matches(e, filter));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onEvent = (e: RecordedEvent) => {
        if (!matches(e, filter)) return;
        clearTimeout(timer);
        this.emitter.off('event', onEvent);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.emitter.off('event', onEvent);
        reject(new Error(`No event matching ${JSON.stringify(filter)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.emitter.on('event', onEvent);
    });
  }

  clear() {
    this.events.length = 0;
  }

  private putOne(e: PutEventsEntry): PutEventsResult['Entries'][number] {
    const bus = busName(e.EventBusName ?? 'default');
    if (!this.buses.has(bus)) return { ErrorCode: 'NotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    if (!e.Source) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' };
    if (!e.DetailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' };
    let detail: unknown;
    try {
      detail = typeof e.Detail === 'string' ? JSON.parse(e.Detail) : e.Detail;
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const size = Buffer.byteLength(JSON.stringify(detail)) + Buffer.byteLength(e.Source) + Buffer.byteLength(e.DetailType);
    if (size > MAX_ENTRY_BYTES) return { ErrorCode: 'InvalidArgument', ErrorMessage: `Entry size ${size} exceeds 256 KB.` };
    const event: RecordedEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': e.DetailType,
      source: e.Source,
      account: PSEUDO.accountId,
      time: (e.Time ? new Date(e.Time) : new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: PSEUDO.region,
      resources: e.Resources ?? [],
      detail: detail as Record<string, unknown>,
      eventBusName: bus,
    };
    this.events.push(event);
    this.log(`[events] ${bus}: ${event.source} / ${event['detail-type']} ${JSON.stringify(event.detail).slice(0, 300)}`);
    this.emitter.emit('event', event);
    return { EventId: event.id };
  }
}

function busName(nameOrArn: string): string {
  const m = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return m ? m[1] : nameOrArn;
}

function matches(e: RecordedEvent, f: EventFilter): boolean {
  return (f.detailType === undefined || e['detail-type'] === f.detailType)
    && (f.source === undefined || e.source === f.source)
    && (f.eventBusName === undefined || e.eventBusName === busName(f.eventBusName));
}

/** Serves the EventBridge JSON 1.1 API (PutEvents) for a LocalEventBus. */
export async function serveEventBridgeApi(bus: LocalEventBus, port: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: `Operation ${target || '(none)'} is not supported locally` });
      }
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        reply(200, bus.put(input.Entries));
      } catch (err) {
        const e = err as Error;
        reply(400, { __type: e.name === 'ValidationException' ? 'ValidationException' : 'SerializationException', message: e.message });
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => closeServer(server),
  };
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
