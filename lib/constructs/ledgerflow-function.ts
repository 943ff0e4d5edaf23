import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as path from 'node:path';

export interface LedgerFlowFunctionProps {
  /** Folder under lambdas/ holding index.ts with an exported `handler`. */
  handlerDir: string;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  description: string;
}

/** The one definition of a LedgerFlow Lambda's settings: Node 22 on arm64, esbuild bundle, own log group. */
export class LedgerFlowFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LedgerFlowFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(__dirname, '..', '..', 'lambdas', props.handlerDir, 'index.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      description: props.description,
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'ledgerflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        logLevel: LogLevel.WARNING,
        sourceMap: true,
        // The Node 22 runtime ships AWS SDK v3; the local stack resolves it from node_modules.
        externalModules: ['@aws-sdk/*'],
      },
    });
  }
}
