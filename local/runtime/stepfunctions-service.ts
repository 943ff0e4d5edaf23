/**
 * The seam to the Step Functions wrapper (local/stepfunctions, class LocalStepFunctions): the
 * runtime gives it the service integrations (in-process Lambda, the event bus, S3 and DynamoDB
 * clients), registers the template's state machines and serves its JSON API.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PutEventsEntry, PutEventsResult } from './events';
import type { LambdaInvokeResult } from './lambda';

export interface StepFunctionsIntegrations {
  invokeLambda(functionName: string, payload: unknown): Promise<LambdaInvokeResult>;
  putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult>;
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

export interface StepFunctionsService {
  /** Registers a state machine; returns its ARN. `definition` is the ASL JSON text. */
  createStateMachine(input: { name: string; definition: string; type: string; roleArn: string }): string | Promise<string>;
  /** Serves the Step Functions JSON API; returns the base URL. */
  listen(port: number): string | Promise<string>;
  close(): void | Promise<void>;
}

export type StepFunctionsFactory = (integrations: StepFunctionsIntegrations) => StepFunctionsService;

/** The project's LocalStepFunctions, loaded when first needed. */
export function loadStepFunctions(): StepFunctionsFactory {
  // Loaded lazily so the rest of the runtime (and its tests) does not depend on the wrapper's load cost.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require('../stepfunctions') as { LocalStepFunctions?: new (opts: { integrations: StepFunctionsIntegrations }) => StepFunctionsService };
  if (!mod.LocalStepFunctions) throw new Error('local/stepfunctions does not export LocalStepFunctions');
  const Ctor = mod.LocalStepFunctions;
  return (integrations) => new Ctor({ integrations });
}
