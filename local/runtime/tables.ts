/**
 * AWS::DynamoDB::Table (and ::GlobalTable) -> a table in DynamoDB Local, created if missing.
 * Existing tables keep their data; GSIs the template added since are created (as a
 * CloudFormation update would), and a changed key schema is reported, not "fixed" by dropping data.
 */
import {
  CreateTableCommand,
  CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  GlobalSecondaryIndex,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A client for DynamoDB Local; every call is bounded by timeoutMs. */
export function dynamoClient(endpoint: string, timeoutMs = 5000): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
}

/** The resolved Properties of a table resource. */
export type TableProperties = Record<string, any>;

export function createTableInput(name: string, p: TableProperties): CreateTableCommandInput {
  const onDemand = p.BillingMode === 'PAY_PER_REQUEST' || (p.BillingMode === undefined && !p.ProvisionedThroughput);
  const throughput = onDemand ? undefined : p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const gsis: GlobalSecondaryIndex[] | undefined = p.GlobalSecondaryIndexes?.map((g: any) => ({
    IndexName: g.IndexName,
    KeySchema: g.KeySchema,
    Projection: g.Projection,
    ...(onDemand ? {} : { ProvisionedThroughput: g.ProvisionedThroughput ?? throughput }),
  }));
  return {
    TableName: name,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    ...(throughput ? { ProvisionedThroughput: throughput } : {}),
    ...(gsis?.length ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(p.LocalSecondaryIndexes?.length
      ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes.map((l: any) => ({ IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection })) }
      : {}),
    ...(p.StreamSpecification?.StreamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } }
      : {}),
  };
}

/** Creates or updates one table; returns what was done, for the start-up log. */
export async function ensureTable(client: DynamoDBClient, name: string, props: TableProperties): Promise<string> {
  const input = createTableInput(name, props);
  let existing;
  try {
    existing = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException) && (err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  const notes: string[] = [];
  if (!existing) {
    await client.send(new CreateTableCommand(input));
    await waitActive(client, name);
    notes.push('created');
  } else {
    const keyOf = (ks: any[] | undefined) => JSON.stringify((ks ?? []).map((k) => [k.AttributeName, k.KeyType]));
    if (keyOf(existing.KeySchema) !== keyOf(input.KeySchema)) {
      notes.push(`WARNING: existing key schema ${keyOf(existing.KeySchema)} differs from the template's ${keyOf(input.KeySchema)}; delete the data dir to recreate`);
    }
    const have = new Set((existing.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const gsi of input.GlobalSecondaryIndexes ?? []) {
      if (have.has(gsi.IndexName)) continue;
      await client.send(new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      }));
      notes.push(`added GSI ${gsi.IndexName}`);
    }
    if (!notes.length) notes.push('exists');
  }
  const ttl = props.TimeToLiveSpecification;
  if (ttl?.Enabled && ttl.AttributeName) {
    try {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: ttl.AttributeName } }));
    } catch (err) {
      // Enabling TTL twice is a ValidationException ("already enabled"): the state we want.
      if (!/already enabled/i.test((err as Error).message)) throw err;
    }
  }
  return notes.join(', ');
}

/** DynamoDB Local makes tables ACTIVE at once; the SDK waiter's 20 s minimum delay would dominate start-up. */
async function waitActive(client: DynamoDBClient, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
    if (t?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Table ${name} not ACTIVE after ${timeoutMs} ms (${t?.TableStatus})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
