import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LedgerFlowFunction } from './constructs/ledgerflow-function';
import { Workflow } from './constructs/workflow';
import { BANK_TIMEOUTS, DOWNLOAD_TASK, ROUTES } from './settings';

export interface LedgerFlowStackProps extends StackProps {
  /** EventBridge Scheduler expression for the daily refresh, e.g. "cron(0 6 * * ? *)". */
  dailySchedule: string;
}

export class LedgerFlowStack extends Stack {
  constructor(scope: Construct, id: string, props: LedgerFlowStackProps) {
    super(scope, id, props);

    // One table for everything; keys are defined once in lambdas/shared/keys.ts.
    const table = new Table(this, 'Data', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A user's transactions newest first (strongly consistent, same partition).
    table.addLocalSecondaryIndex({ indexName: 'byDate', sortKey: { name: 'dateKey', type: AttributeType.STRING }, projectionType: ProjectionType.ALL });
    // Users by shard, for the daily manifest without a table scan.
    table.addGlobalSecondaryIndex({
      indexName: 'usersByShard',
      partitionKey: { name: 'shard', type: AttributeType.STRING },
      sortKey: { name: 'userId', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });

    const bucket = new Bucket(this, 'Statements', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-raw-statements', prefix: 'raw/', expiration: Duration.days(30) },
        { id: 'expire-manifests', prefix: 'manifests/', expiration: Duration.days(14) },
        { id: 'expire-quarantine', prefix: 'quarantine/', expiration: Duration.days(90) },
        { id: 'tier-normalized', prefix: 'normalized/', transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }] },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    const bus = new EventBus(this, 'Events', { eventBusName: 'ledgerflow' });

    const storage = { TABLE_NAME: table.tableName, BUCKET_NAME: bucket.bucketName };

    const download = new LedgerFlowFunction(this, 'Download', {
      handlerDir: 'download',
      description: 'Logs in to one connection over OFX Direct Connect and stores raw statements in S3',
      timeout: Duration.seconds(BANK_TIMEOUTS.lambdaSeconds),
      environment: {
        ...storage,
        BANK_CONNECT_TIMEOUT_MS: String(BANK_TIMEOUTS.connectMs),
        BANK_RESPONSE_TIMEOUT_MS: String(BANK_TIMEOUTS.responseMs),
        HEARTBEAT_INTERVAL_SECONDS: String(DOWNLOAD_TASK.heartbeatIntervalSeconds),
      },
    });
    // Task tokens carry their own authority: these actions take no resource-level permissions.
    download.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], resources: ['*'] }));
    table.grantReadWriteData(download);
    bucket.grantPut(download, 'raw/*');

    const processStatement = new LedgerFlowFunction(this, 'ProcessStatement', {
      handlerDir: 'process-statement',
      description: 'Parses one raw statement into a normalized statement, or quarantines it',
      timeout: Duration.seconds(30),
      memorySize: 1024,
      environment: storage,
    });
    bucket.grantRead(processStatement, 'raw/*');
    bucket.grantPut(processStatement, 'normalized/*');
    bucket.grantPut(processStatement, 'quarantine/*');
    table.grant(processStatement, 'dynamodb:UpdateItem'); // progress marks on the refresh

    const postProcess = new LedgerFlowFunction(this, 'PostProcess', {
      handlerDir: 'post-process',
      description: "Merges a user's normalized statements into accounts and transactions in DynamoDB",
      timeout: Duration.seconds(60),
      memorySize: 1024,
      environment: storage,
    });
    table.grantReadWriteData(postProcess);
    bucket.grantRead(postProcess, 'normalized/*');

    const listUsers = new LedgerFlowFunction(this, 'ListUsers', {
      handlerDir: 'list-users',
      description: 'Writes the manifest of users due for the daily refresh to S3',
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: storage,
    });
    table.grantReadData(listUsers);
    bucket.grantPut(listUsers, 'manifests/*');

    const refresh = new Workflow(this, 'Refresh', {
      name: 'refresh',
      type: 'STANDARD',
      substitutions: {
        DownloadFunctionArn: download.functionArn,
        ProcessStatementFunctionArn: processStatement.functionArn,
        PostProcessFunctionArn: postProcess.functionArn,
        EventBusName: bus.eventBusName,
        TableName: table.tableName,
      },
    });
    for (const fn of [download, processStatement, postProcess]) fn.grantInvoke(refresh.stateMachine);
    bus.grantPutEventsTo(refresh.stateMachine);
    refresh.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }));

    const daily = new Workflow(this, 'DailyRefresh', {
      name: 'daily-refresh',
      type: 'STANDARD',
      substitutions: {
        ListUsersFunctionArn: listUsers.functionArn,
        RefreshStateMachineArn: refresh.stateMachine.stateMachineArn,
        BucketName: bucket.bucketName,
      },
    });
    listUsers.grantInvoke(daily.stateMachine);
    bucket.grantRead(daily.stateMachine, 'manifests/*');
    bucket.grantPut(daily.stateMachine, 'manifests/*');
    grantSyncStart(daily.stateMachine, refresh.stateMachine, this);

    const api = new LedgerFlowFunction(this, 'Api', {
      handlerDir: 'api',
      description: 'HTTP API: start refreshes, read refresh status, accounts and transactions',
      timeout: Duration.seconds(10),
      environment: { ...storage, REFRESH_STATE_MACHINE_ARN: refresh.stateMachine.stateMachineArn },
    });
    table.grantReadWriteData(api);
    refresh.stateMachine.grantStartExecution(api);

    const httpApi = new HttpApi(this, 'HttpApi', { apiName: 'ledgerflow', createDefaultStage: true });
    const integration = new HttpLambdaIntegration('ApiIntegration', api);
    for (const route of ROUTES) {
      httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }

    new Schedule(this, 'DailySchedule', {
      description: 'Starts the daily refresh of every user',
      schedule: ScheduleExpression.expression(props.dailySchedule),
      target: new StepFunctionsStartExecution(daily.stateMachine, { input: undefined }),
    });

    new CfnOutput(this, 'ApiUrl', { value: httpApi.apiEndpoint });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
  }
}

/** startExecution.sync:2 from a Distributed Map needs to start, watch and stop children, and its own map run. */
function grantSyncStart(parent: StateMachine, child: StateMachine, stack: Stack): void {
  child.grantStartExecution(parent);
  parent.addToRolePolicy(
    new PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [stack.formatArn({ service: 'states', resource: 'execution', arnFormat: 2 as any, resourceName: `${child.stateMachineName}:*` })],
    }),
  );
  parent.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' })],
    }),
  );
}
