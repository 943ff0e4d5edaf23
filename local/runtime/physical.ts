/**
 * Physical names, ARNs and attributes of resources, computed the way CloudFormation
 * reports them (with the local account and region), so `Ref`/`Fn::GetAtt` in
 * environment variables and definition substitutions resolve to usable values.
 */
import { createHash } from 'node:crypto';
import { CfnTemplate } from './template';
import { IntrinsicResolver, PSEUDO, RefSource } from './intrinsics';

const { region: R, accountId: A } = PSEUDO;

export interface PhysicalContext {
  /** Base URL of the local HTTP API server of an AWS::ApiGatewayV2::Api (its ApiEndpoint). */
  apiEndpoint(logicalId: string): string;
}

/** A deterministic short id in the style of API Gateway ids (10 lowercase alphanumerics). */
function shortId(logicalId: string, len = 10): string {
  return createHash('sha1').update(logicalId).digest('hex').slice(0, len);
}

/** Logical id -> a valid S3 bucket name (lowercase, 3..63 chars, alnum at both ends). */
export function s3BucketName(logicalId: string): string {
  let name = logicalId.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
  name = name.replace(/[^a-z0-9]+$/, '');
  return name.length >= 3 ? name : `${name}-bucket`;
}

export const lambdaArn = (name: string) => `arn:aws:lambda:${R}:${A}:function:${name}`;
export const stateMachineArn = (name: string) => `arn:aws:states:${R}:${A}:stateMachine:${name}`;
export const eventBusArn = (name: string) => `arn:aws:events:${R}:${A}:event-bus/${name}`;

interface Physical {
  ref: string;
  attrs: Record<string, unknown>;
}

export class PhysicalIds implements RefSource {
  private readonly cache = new Map<string, Physical>();
  private readonly inProgress = new Set<string>();
  resolver!: IntrinsicResolver;

  constructor(private readonly template: CfnTemplate, private readonly ctx: PhysicalContext) {}

  ref(logicalId: string): string {
    return this.physical(logicalId).ref;
  }

  getAtt(logicalId: string, attribute: string): unknown {
    const p = this.physical(logicalId);
    if (attribute in p.attrs) return p.attrs[attribute];
    // Attributes the local stack does not model still get a stable, recognisable value.
    if (attribute === 'Arn') return `arn:aws:local:${R}:${A}:${logicalId}`;
    return `${p.ref}.${attribute}`;
  }

  /** Ref values of the given resources (default: all), for logging and for the caller's convenience. */
  all(logicalIds: string[] = Object.keys(this.template.Resources)): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of logicalIds) out[id] = this.ref(id);
    return out;
  }

  private physical(logicalId: string): Physical {
    const hit = this.cache.get(logicalId);
    if (hit) return hit;
    if (this.inProgress.has(logicalId)) throw new Error(`Circular reference while naming ${logicalId}`);
    this.inProgress.add(logicalId);
    try {
      const p = this.compute(logicalId);
      this.cache.set(logicalId, p);
      return p;
    } finally {
      this.inProgress.delete(logicalId);
    }
  }

  private prop(logicalId: string, name: string): string | undefined {
    const raw = this.template.Resources[logicalId].Properties?.[name];
    if (raw === undefined) return undefined;
    const v = this.resolver.resolve(raw);
    return v === undefined ? undefined : String(v);
  }

  private compute(id: string): Physical {
    const type = this.template.Resources[id].Type;
    switch (type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = this.prop(id, 'TableName') ?? id;
        const arn = `arn:aws:dynamodb:${R}:${A}:table/${name}`;
        return { ref: name, attrs: { Arn: arn, StreamArn: `${arn}/stream/local`, TableId: shortId(id) } };
      }
      case 'AWS::S3::Bucket': {
        const name = this.prop(id, 'BucketName') ?? s3BucketName(id);
        return {
          ref: name,
          attrs: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${R}.amazonaws.com`,
            DualStackDomainName: `${name}.s3.dualstack.${R}.amazonaws.com`,
            WebsiteURL: `http://${name}.s3-website-${R}.amazonaws.com`,
          },
        };
      }
      case 'AWS::Lambda::Function': {
        const name = this.prop(id, 'FunctionName') ?? id;
        return { ref: name, attrs: { Arn: lambdaArn(name) } };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = this.prop(id, 'StateMachineName') ?? id;
        const arn = stateMachineArn(name);
        return { ref: arn, attrs: { Arn: arn, Name: name, StateMachineRevisionId: 'INITIAL' } };
      }
      case 'AWS::Events::EventBus': {
        const name = this.prop(id, 'Name') ?? id;
        return { ref: name, attrs: { Arn: eventBusArn(name), Name: name } };
      }
      case 'AWS::Scheduler::Schedule': {
        const name = this.prop(id, 'Name') ?? id;
        const group = this.prop(id, 'GroupName') ?? 'default';
        return { ref: name, attrs: { Arn: `arn:aws:scheduler:${R}:${A}:schedule/${group}/${name}` } };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const name = this.prop(id, 'Name') ?? id;
        return { ref: name, attrs: { Arn: `arn:aws:scheduler:${R}:${A}:schedule-group/${name}` } };
      }
      case 'AWS::ApiGatewayV2::Api':
        return { ref: shortId(id), attrs: { ApiId: shortId(id), ApiEndpoint: this.ctx.apiEndpoint(id) } };
      case 'AWS::ApiGatewayV2::Stage':
        return { ref: this.prop(id, 'StageName') ?? '$default', attrs: {} };
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Route':
        return { ref: shortId(id, 7), attrs: {} };
      case 'AWS::Logs::LogGroup': {
        const name = this.prop(id, 'LogGroupName') ?? id;
        return { ref: name, attrs: { Arn: `arn:aws:logs:${R}:${A}:log-group:${name}:*` } };
      }
      case 'AWS::IAM::Role': {
        const name = this.prop(id, 'RoleName') ?? id;
        return { ref: name, attrs: { Arn: `arn:aws:iam::${A}:role/${name}`, RoleId: shortId(id, 21).toUpperCase() } };
      }
      case 'AWS::SQS::Queue': {
        const name = this.prop(id, 'QueueName') ?? id;
        return { ref: `https://sqs.${R}.amazonaws.com/${A}/${name}`, attrs: { Arn: `arn:aws:sqs:${R}:${A}:${name}`, QueueName: name } };
      }
      case 'AWS::SNS::Topic': {
        const name = this.prop(id, 'TopicName') ?? id;
        const arn = `arn:aws:sns:${R}:${A}:${name}`;
        return { ref: arn, attrs: { TopicArn: arn, TopicName: name } };
      }
      case 'AWS::KMS::Key': {
        const keyId = shortId(id, 32);
        return { ref: keyId, attrs: { Arn: `arn:aws:kms:${R}:${A}:key/${keyId}`, KeyId: keyId } };
      }
      default:
        return { ref: id, attrs: {} };
    }
  }
}
