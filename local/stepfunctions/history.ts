/**
 * AWS-shaped execution history (GetExecutionHistory's HistoryEvent list). State transitions come
 * from the library's eventLogs; Task attempts (TaskScheduled/Started/Succeeded/Failed/TimedOut, or
 * LambdaFunction* for Lambda ARN resources) and Map Runs are recorded by our handlers, so each
 * failed attempt of a retried Task is one TaskFailed event.
 */
import type { CompiledMachine } from './definition';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

/** AWS caps a Standard execution's history at 25,000 events and fails it past that. */
export const HISTORY_LIMIT = 25_000;

export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];
  private overflowed = false;
  private closed = false;

  constructor(private readonly onOverflow: () => void) {}

  add(type: string, details?: Record<string, unknown>, terminal = false): void {
    if (this.closed) return; // nothing follows the Execution{Succeeded,Failed,Aborted,TimedOut} event
    if (terminal) this.closed = true;
    else if (this.events.length >= HISTORY_LIMIT) {
      if (!this.overflowed) {
        this.overflowed = true;
        this.onOverflow();
      }
      return;
    }
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: new Date(), type, ...details });
  }
}

export const json = (v: unknown): string => JSON.stringify(v === undefined ? null : v);
const noTrunc = { truncated: false };

interface LibEvent {
  type: string;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
  Error?: string;
  Cause?: unknown;
}

/** Turns one library event into history events (or none: retries/catches show as Task events). */
export class StateEventRecorder {
  private readonly failedMaps = new Set<string>();

  constructor(
    private readonly history: ExecutionHistory,
    private readonly compiled: CompiledMachine,
  ) {}

  record(ev: LibEvent): void {
    const h = this.history;
    switch (ev.type) {
      case 'StateEntered': {
        const { name, type } = this.stateOf(ev);
        if (type === 'Map') this.failedMaps.delete(name);
        h.add(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: json(ev.state!.input), inputDetails: noTrunc } });
        return;
      }
      case 'StateExited': {
        const { name, type } = this.stateOf(ev);
        if (type === 'Map' && !this.failedMaps.has(name)) h.add('MapStateSucceeded');
        if (type === 'Parallel') h.add('ParallelStateSucceeded');
        h.add(`${type}StateExited`, { stateExitedEventDetails: { name, output: json(ev.state!.output), outputDetails: noTrunc } });
        return;
      }
      case 'StateFailed': {
        const { name, type } = this.stateOf(ev);
        if (type === 'Map') {
          this.failedMaps.add(name);
          h.add('MapStateFailed');
        }
        if (type === 'Parallel') h.add('ParallelStateFailed');
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `mapIteration${ev.type.slice('MapIteration'.length)}EventDetails`;
        h.add(ev.type, { [key]: { name: ev.parentState!.name, index: ev.index } });
        return;
      }
      default:
        return; // Execution* are recorded by the runner; StateRetried/StateCaught/ParallelBranch* have no AWS event
    }
  }

  private stateOf(ev: LibEvent): { name: string; type: string } {
    const name = ev.state!.name;
    return { name, type: this.compiled.distributedMaps.has(name) ? 'Map' : ev.state!.type };
  }
}
