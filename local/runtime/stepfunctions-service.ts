/**
 * The seam to the Step Functions wrapper (local/stepfunctions, class LocalStepFunctions): the
 * runtime gives it the service integrations (in-process Lambda, the event bus, S3 and DynamoDB
 * clients), registers the template's state machines and serves its JSON API.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PutEventsEntry, PutEventsResult } from './events';
import { PSEUDO } from './intrinsics';
import type { LambdaInvokeResult } from './lambda';

export interface StepFunctionsIntegrations {
  invokeLambda(functionName: string, payload: unknown): Promise<LambdaInvokeResult>;
  putEvents(entries: PutEventsEntry[]): Promise<PutEventsResult>;
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

export interface StepFunctionsService {
  /** Registers a state machine; returns its ARN. `definition` is the ASL JSON text. */
  createStateMachine(input: { name: string; definition: string; type: 'STANDARD' | 'EXPRESS'; roleArn: string }): string | Promise<string>;
  /** Serves the Step Functions JSON API; returns the base URL. */
  listen(port: number): string | Promise<string>;
  close(): void | Promise<void>;
}

export type StepFunctionsFactory = (integrations: StepFunctionsIntegrations) => StepFunctionsService;

/** The project's LocalStepFunctions, in the local account and region (so template ARNs match). */
export const defaultStepFunctions: StepFunctionsFactory = (integrations) => {
  // Required here rather than imported at the top: the engine is only loaded when a stack starts.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { LocalStepFunctions } = require('../stepfunctions') as typeof import('../stepfunctions');
  return new LocalStepFunctions({
    integrations: integrations as unknown as import('../stepfunctions').TaskIntegrations,
    region: PSEUDO.region,
    accountId: PSEUDO.accountId,
  });
};
