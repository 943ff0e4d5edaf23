/**
 * A circuit breaker per institution, its state in DynamoDB (INST#<id> / CIRCUIT) so every Lambda
 * container shares it:
 *   CLOSED --(threshold failures within window)--> OPEN --(cooldown passed, one caller wins the
 *   probe)--> HALF_OPEN --success--> CLOSED, --failure--> OPEN again.
 * While OPEN or while a probe is out, callers fail fast without touching the bank.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws';
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

export const circuitSettings = () => ({
  threshold: envNumber('CIRCUIT_FAILURE_THRESHOLD', 5),
  windowMs: envNumber('CIRCUIT_WINDOW_SECONDS', 60) * 1000,
  cooldownMs: envNumber('CIRCUIT_COOLDOWN_SECONDS', 30) * 1000,
  probeMs: envNumber('CIRCUIT_PROBE_SECONDS', 60) * 1000,
});

const key = (institutionId: string) => ({ pk: institutionPk(institutionId), sk: CIRCUIT_SK });

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

/** 'call' when the bank may be called (closed, or this caller won the half-open probe); 'reject' to fail fast. */
export async function admit(institutionId: string, now = Date.now()): Promise<'call' | 'probe' | 'reject'> {
  const s = circuitSettings();
  const c = await readCircuit(institutionId);
  if (c.state === 'CLOSED') return 'call';
  const probeDue = c.state === 'OPEN' ? now >= (c.openedAt ?? 0) + s.cooldownMs : now >= (c.probeUntil ?? 0);
  if (!probeDue) return 'reject';
  // Exactly one caller wins the probe: the update is conditional on the state it read.
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(institutionId),
        UpdateExpression: 'SET #state = :half, probeUntil = :until',
        ConditionExpression: '#state = :seen AND (attribute_not_exists(probeUntil) OR probeUntil = :seenProbe)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':half': 'HALF_OPEN', ':until': now + s.probeMs, ':seen': c.state, ':seenProbe': c.probeUntil ?? -1 },
      }),
    );
    return 'probe';
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException') return 'reject';
    throw e;
  }
}

export async function recordSuccess(institutionId: string): Promise<void> {
  const c = await readCircuit(institutionId);
  if (c.state === 'CLOSED' && c.failures === 0) return;
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :closed, failures = :zero REMOVE probeUntil, openedAt',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':closed': 'CLOSED', ':zero': 0 },
    }),
  );
}

/** Counts a failure of the institution itself (down, timeout, 5xx, reset), never a user's bad password. */
export async function recordFailure(institutionId: string, now = Date.now()): Promise<CircuitState> {
  const s = circuitSettings();
  const c = await readCircuit(institutionId);
  if (c.state === 'HALF_OPEN' || c.state === 'OPEN') {
    // A failed probe (or a straggler from before the opening) re-opens for a full cooldown.
    if (c.state === 'HALF_OPEN') await open(institutionId, now, c);
    return 'OPEN';
  }
  const inWindow = now - c.windowStart <= s.windowMs;
  const failures = inWindow ? c.failures + 1 : 1;
  if (failures >= s.threshold) {
    await open(institutionId, now, c);
    return 'OPEN';
  }
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :closed, failures = :failures, windowStart = :start',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':closed': 'CLOSED', ':failures': failures, ':start': inWindow ? c.windowStart : now },
    }),
  );
  return 'CLOSED';
}

async function open(institutionId: string, now: number, c: Circuit): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key(institutionId),
      UpdateExpression: 'SET #state = :open, openedAt = :now, failures = :zero, windowStart = :now, openings = :openings REMOVE probeUntil',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':open': 'OPEN', ':now': now, ':zero': 0, ':openings': c.openings + 1 },
    }),
  );
}
