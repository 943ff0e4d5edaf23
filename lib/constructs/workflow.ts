import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import * as path from 'node:path';

export interface WorkflowProps {
  /** Base name of statemachines/<name>.asl.json, also the state machine's name. */
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  /** Values substituted for each ${Name} in the ASL file. */
  substitutions: Record<string, string>;
}

/** A state machine loaded from its ASL file, logging ALL events with X-Ray on, with failure alarms. */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/ledgerflow-${props.name}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: `ledgerflow-${props.name}`,
      stateMachineType: props.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(workflowFile(props.name)),
      definitionSubstitutions: props.substitutions,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    const alarms = {
      Failed: this.stateMachine.metricFailed(),
      Throttled: this.stateMachine.metricThrottled(),
      TimedOut: this.stateMachine.metricTimedOut(),
    };
    for (const [what, metric] of Object.entries(alarms)) {
      new Alarm(this, `${what}Alarm`, {
        alarmDescription: `ledgerflow-${props.name}: executions ${what.toLowerCase()}`,
        metric: metric.with({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }
}

export function workflowFile(name: string): string {
  return path.join(__dirname, '..', '..', 'statemachines', `${name}.asl.json`);
}
