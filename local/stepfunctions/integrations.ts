/**
 * Service integrations a Task can call, as the host provides them (local Lambda runtime, EventBridge,
 * DynamoDB Local, s3rver), and the AWS-shaped results and error names Step Functions gives each.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { stateError } from './errors';

export interface TaskIntegrations {
  /** Invoke a Lambda by name or ARN. Returns AWS Lambda Invoke-shaped output (Payload already JSON-parsed). */
  invokeLambda(functionName: string, payload: unknown): Promise<{ StatusCode: number; FunctionError?: string; Payload: unknown }>;
  /** arn:aws:states:::events:putEvents */
  putEvents?(entries: unknown[]): Promise<{ Entries: unknown[]; FailedEntryCount: number }>;
  /** S3 client for DISTRIBUTED Map ItemReader / ResultWriter. */
  s3?: S3Client;
  /** arn:aws:states:::dynamodb:{putItem,getItem,updateItem,deleteItem} */
  dynamodb?: DynamoDBClient;
}

/** Bound on every outbound call we make ourselves (S3, DynamoDB); Lambda is bounded by the Task. */
export const CALL_TIMEOUT_MS = 30_000;

/** The Lambda error payload becomes the States error: name = errorType, Cause = the JSON payload. */
function functionError(payload: unknown): Error {
  const p = payload as { errorType?: unknown } | null;
  const name = p && typeof p.errorType === 'string' && p.errorType ? p.errorType : 'Lambda.Unknown';
  return stateError(name, JSON.stringify(payload ?? null));
}

async function invoke(integ: TaskIntegrations, functionName: unknown, payload: unknown) {
  if (typeof functionName !== 'string' || !functionName) throw stateError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName');
  try {
    return await integ.invokeLambda(functionName, payload);
  } catch (e) {
    const err = e as Error;
    const name = err.name?.startsWith('Lambda.') ? err.name : `Lambda.${err.name && err.name !== 'Error' ? err.name : 'SdkClientException'}`;
    throw stateError(name, err.message);
  }
}

/** arn:aws:states:::lambda:invoke — returns what AWS returns ({ExecutedVersion, Payload, SdkHttpMetadata, ..., StatusCode}). */
export async function lambdaInvoke(integ: TaskIntegrations, params: unknown): Promise<unknown> {
  const p = (params ?? {}) as { FunctionName?: unknown; Payload?: unknown };
  const r = await invoke(integ, p.FunctionName, p.Payload);
  if (r.FunctionError) throw functionError(r.Payload);
  const requestId = randomUUID();
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId };
  return {
    ExecutedVersion: '$LATEST',
    Payload: r.Payload === undefined ? null : r.Payload,
    SdkHttpMetadata: { AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), HttpHeaders: headers, HttpStatusCode: r.StatusCode },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: r.StatusCode,
  };
}

/** arn:aws:lambda:...:function:NAME — the legacy resource: the result is the function's output itself. */
export async function lambdaArnInvoke(integ: TaskIntegrations, arn: string, input: unknown): Promise<unknown> {
  const r = await invoke(integ, arn, input);
  if (r.FunctionError) throw functionError(r.Payload);
  return r.Payload === undefined ? null : r.Payload;
}

export async function putEvents(integ: TaskIntegrations, params: unknown): Promise<unknown> {
  const entries = (params as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries)) throw stateError('States.Runtime', 'events:putEvents needs Parameters.Entries (an array)');
  let r: { Entries: unknown[]; FailedEntryCount: number };
  try {
    r = await integ.putEvents!(entries);
  } catch (e) {
    throw stateError(`EventBridge.${(e as Error).name && (e as Error).name !== 'Error' ? (e as Error).name : 'SdkClientException'}`, (e as Error).message);
  }
  if (r.FailedEntryCount > 0) throw stateError('EventBridge.FailedEntry', JSON.stringify(r));
  return { Entries: r.Entries, FailedEntryCount: r.FailedEntryCount };
}

const DDB = { putItem: PutItemCommand, getItem: GetItemCommand, updateItem: UpdateItemCommand, deleteItem: DeleteItemCommand };

export async function dynamodb(client: DynamoDBClient, op: keyof typeof DDB, params: unknown): Promise<unknown> {
  const Cmd = DDB[op] as unknown as new (input: unknown) => Parameters<DynamoDBClient['send']>[0];
  try {
    const out = (await client.send(new Cmd(params), { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) })) as unknown as Record<string, unknown>;
    const { $metadata, ...rest } = out;
    void $metadata;
    return rest;
  } catch (e) {
    const name = (e as Error).name;
    throw stateError(`DynamoDB.${name && name !== 'Error' && name !== 'TimeoutError' && name !== 'AbortError' ? name : 'SdkClientException'}`, (e as Error).message);
  }
}
