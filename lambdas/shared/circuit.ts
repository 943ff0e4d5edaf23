/**
 * A circuit breaker per institution, its state in DynamoDB (INST#<id> / CIRCUIT) so every Lambda
 * container shares it:
 *   CLOSED --(threshold failures within window)--> OPEN --(cooldown passed, one caller wins the
 *   probe)--> HALF_OPEN --success--> CLOSED, --failure--> OPEN again.
 * While OPEN, callers are rejected without touching the bank; while a probe is out, callers wait
 * for its verdict (bounded) instead of calling. Every state change is a conditional write, so
 * concurrent Lambdas neither lose failures nor open (or probe) twice.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, isConditionFailure, writeIf } from './aws';
import { envNumber, tableName } from './config';
import { CIRCUIT_SK, institutionPk } from './keys';

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface Circuit {
  institutionId: string;
  state: CircuitState;
  failures: number;
  windowStart: number;
  openedAt?: number;
  /** While HALF_OPEN: when the probe's lease ends (a probe that never reports does not block forever). */
  probeUntil?: number;
  /** How many times the circuit has opened (for the soak's figures). */
  openings: number;
}

/** call: the circuit is closed; probe: this caller tests the bank; reject: open, do not call; wait: a probe is out. */
export type Admission = 'call' | 'probe' | 'reject' | 'wait';

export const circuitSettings = () => ({
  threshold: envNumber('CIRCUIT_FAILURE_THRESHOLD', 5),
  windowMs: envNumber('CIRCUIT_WINDOW_SECONDS', 60) * 1000,
  cooldownMs: envNumber('CIRCUIT_COOLDOWN_SECONDS', 30) * 1000,
  probeMs: envNumber('CIRCUIT_PROBE_SECONDS', 60) * 1000,
  /** How long a caller waits for another caller's probe before giving up (a transient error). */
  probeWaitMs: envNumber('CIRCUIT_PROBE_WAIT_SECONDS', 10) * 1000,
});

const key = (institutionId: string) => ({ pk: institutionPk(institutionId), sk: CIRCUIT_SK });
const NAMES = { '#state': 'state' };

export async function readCircuit(institutionId: string): Promise<Circuit> {
  const out = await dynamo().send(new GetCommand({ TableName: tableName(), Key: key(institutionId), ConsistentRead: true }));
  const item = out.Item;
  return {
    institutionId,
    state: (item?.state as CircuitState) ?? 'CLOSED',
    failures: item?.failures ?? 0,
    windowStart: item?.windowStart ?? 0,
    openedAt: item?.openedAt,
    probeUntil: item?.probeUntil,
    openings: item?.openings ?? 0,
  };
}

/** True while the institution should not be called at all: open and still cooling down. */
export function isCoolingDown(c: Circuit, now = Date.now()): boolean {
  return c.state === 'OPEN' && now < (c.openedAt ?? 0) + circuitSettings().cooldownMs;
}

/** One look at the circuit; see Admission. */
export async function admit(institutionId: string, now = Date.now()): Promise<Admission> {
  const s = circuitSettings();
  const c = await readCircuit(institutionId);
  if (c.state === 'CLOSED') return 'call';
  if (isCoolingDown(c, now)) return 'reject';
  if (c.state === 'HALF_OPEN' && now < (c.probeUntil ?? 0)) return 'wait';
  // Cooldown over (or the last probe's lease ran out): exactly one caller wins the probe, because
  // the update is conditional on the state it read.
  const won = await writeIf(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :half, probeUntil = :until',
      ConditionExpression: '#state = :seen AND (attribute_not_exists(probeUntil) OR probeUntil = :seenProbe)',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':half': 'HALF_OPEN', ':until': now + s.probeMs, ':seen': c.state, ':seenProbe': c.probeUntil ?? -1 },
    }),
  );
  return won ? 'probe' : 'wait'; // lost: another caller took the probe a moment ago
}

/**
 * Admission that waits out another caller's probe (polling, bounded by CIRCUIT_PROBE_WAIT_SECONDS):
 * once the probe reports, the circuit is CLOSED (call) or OPEN again (reject). 'wait' only when
 * the probe did not report in time.
 */
export async function awaitAdmission(institutionId: string): Promise<Admission> {
  const deadline = Date.now() + circuitSettings().probeWaitMs;
  let pause = 200;
  for (;;) {
    const admission = await admit(institutionId);
    if (admission !== 'wait' || Date.now() + pause > deadline) return admission;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 1.5, 1000);
  }
}

/** The bank answered: the circuit closes (a successful probe) and the failure count starts over. */
export async function recordSuccess(institutionId: string): Promise<void> {
  const c = await readCircuit(institutionId);
  if (c.state === 'CLOSED' && c.failures === 0) return;
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :closed, failures = :zero REMOVE probeUntil, openedAt',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':closed': 'CLOSED', ':zero': 0 },
    }),
  );
}

/**
 * Counts a failure of the institution itself (down, timeout, 5xx, reset), never a user's bad
 * password. Returns the state after counting it.
 */
export async function recordFailure(institutionId: string, now = Date.now()): Promise<CircuitState> {
  const s = circuitSettings();
  // Optimistic concurrency: each write is conditional on what was read; a lost race re-reads.
  for (let attempt = 0; attempt < 8; attempt++) {
    const c = await readCircuit(institutionId);
    if (c.state === 'OPEN') return 'OPEN'; // a straggler from before the opening: already counted enough
    try {
      // A failed probe re-opens for a full cooldown.
      if (c.state === 'HALF_OPEN') return (await open(institutionId, now, c)) ? 'OPEN' : (await readCircuit(institutionId)).state;
      const failures = await countFailure(institutionId, c, now, s.windowMs);
      if (failures < s.threshold) return 'CLOSED';
      await open(institutionId, now, c);
      return 'OPEN';
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
  return (await readCircuit(institutionId)).state;
}

/** Adds one failure to the current window (or starts a new window); returns the count. */
async function countFailure(institutionId: string, c: Circuit, now: number, windowMs: number): Promise<number> {
  const inWindow = c.failures > 0 && now - c.windowStart <= windowMs;
  if (inWindow) {
    const out = await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(institutionId),
        UpdateExpression: 'ADD failures :one',
        ConditionExpression: '#state = :closed AND windowStart = :start',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':one': 1, ':closed': 'CLOSED', ':start': c.windowStart },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.failures);
  }
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :closed, failures = :one, windowStart = :now',
      ConditionExpression: 'attribute_not_exists(pk) OR (#state = :closed AND (attribute_not_exists(failures) OR failures = :seen))',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':closed': 'CLOSED', ':one': 1, ':now': now, ':seen': c.failures },
    }),
  );
  return 1;
}

/** Opens the circuit unless another caller changed it since `c` was read (then false). */
async function open(institutionId: string, now: number, c: Circuit): Promise<boolean> {
  return writeIf(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :open, openedAt = :now, failures = :zero, windowStart = :now ADD openings :one REMOVE probeUntil',
      ConditionExpression: c.state === 'HALF_OPEN' ? '#state = :seen AND probeUntil = :seenProbe' : 'attribute_not_exists(pk) OR #state = :seen',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: {
        ':open': 'OPEN',
        ':now': now,
        ':zero': 0,
        ':one': 1,
        ':seen': c.state,
        ...(c.state === 'HALF_OPEN' ? { ':seenProbe': c.probeUntil ?? -1 } : {}),
      },
    }),
  );
}
