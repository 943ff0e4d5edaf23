/**
 * Evaluates ASL payload templates and reference paths outside a running state (Distributed Map
 * ItemReader/ItemSelector/ResultWriter parameters) with the library's own JSONPath and intrinsic
 * functions, by running a one-state Pass machine: same semantics as inside the workflow.
 */
import './polyfill';
import { StateMachine, ExecutionError } from 'aws-local-stepfunctions';
import { stateError } from './errors';

const cache = new Map<string, StateMachine>();
const CACHE_LIMIT = 1000;

export async function evalTemplate(template: unknown, input: unknown, context: Record<string, unknown>): Promise<any> {
  const key = JSON.stringify(template);
  let machine = cache.get(key);
  if (!machine) {
    machine = new StateMachine({ StartAt: 'E', States: { E: { Type: 'Pass', Parameters: template, End: true } } } as never, {
      validationOptions: { noValidate: true },
    });
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, machine);
  }
  try {
    return await machine.run(input as never, { context: context as never }).result;
  } catch (e) {
    const cause = e instanceof ExecutionError ? (e as Error & { cause?: unknown }).cause : e;
    if (cause instanceof Error) throw stateError(cause.name === 'Error' ? 'States.Runtime' : cause.name, cause.message);
    throw stateError('States.Runtime', String(cause));
  }
}

export async function evalPath(path: string, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  const out = await evalTemplate({ 'v.$': path }, input, context);
  return out.v;
}
