/**
 * AWS clients, created once per container. Endpoints come from the standard SDK environment
 * variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, ...), so the same code runs on AWS
 * and on the local stack. Every call has a connect and a request timeout.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const requestHandler = { connectionTimeout: 2_000, requestTimeout: 10_000 };

let ddb: DynamoDBDocumentClient | undefined;
let s3Client: S3Client | undefined;
let sfn: SFNClient | undefined;

export function dynamo(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler, maxAttempts: 4 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return ddb;
}

/** Path-style addressing works on AWS and on the local S3 server alike. */
export function s3(): S3Client {
  s3Client ??= new S3Client({ requestHandler, forcePathStyle: true, maxAttempts: 4 });
  return s3Client;
}

export function stepFunctions(): SFNClient {
  sfn ??= new SFNClient({ requestHandler, maxAttempts: 3 });
  return sfn;
}

/** DynamoDB's answer when a write's ConditionExpression did not hold (and nothing was written). */
export function isConditionFailure(e: unknown): boolean {
  return (e as Error)?.name === 'ConditionalCheckFailedException';
}

/** Sends a conditional write: true when it was written, false when its condition did not hold. */
export async function writeIf(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
  try {
    await dynamo().send(command as PutCommand);
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}
