/**
 * Reads the template's resources into what the local services need: table and bucket
 * definitions, Lambda specs (code from cdk.out, resolved environment), state machine
 * definitions with substitutions applied, HTTP routes and schedules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IntrinsicResolver } from './intrinsics';
import { LambdaFunctionSpec } from './lambda';
import { PhysicalIds } from './physical';
import { HttpRoute } from './http-api';
import { ScheduleSpec } from './scheduler';
import { assetPath, CfnResource, CloudAssemblyStack } from './template';

/** Resource types deployed locally; everything else is listed as ignored. */
export const SUPPORTED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::Lambda::Function',
  'AWS::StepFunctions::StateMachine',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Stage',
  'AWS::Scheduler::Schedule',
  'AWS::Events::EventBus',
]);

export class TemplateResources {
  constructor(
    readonly stack: CloudAssemblyStack,
    readonly resolver: IntrinsicResolver,
    readonly physical: PhysicalIds,
  ) {}

  /** Resources that exist in this deployment (their Condition, if any, holds). */
  deployed(type?: string): Array<[string, CfnResource]> {
    return Object.entries(this.stack.template.Resources).filter(
      ([, r]) => (type === undefined || r.Type === type) && (!r.Condition || this.resolver.condition(r.Condition)),
    );
  }

  props(resource: CfnResource): Record<string, any> {
    return this.resolver.resolve(resource.Properties ?? {}) ?? {};
  }

  ignored(): string[] {
    return this.deployed().filter(([, r]) => !SUPPORTED_TYPES.has(r.Type)).map(([id, r]) => `${id} (${r.Type})`);
  }

  tables(): Array<{ logicalId: string; name: string; props: Record<string, any> }> {
    return [...this.deployed('AWS::DynamoDB::Table'), ...this.deployed('AWS::DynamoDB::GlobalTable')].map(([id, r]) => ({
      logicalId: id, name: this.physical.ref(id), props: this.props(r),
    }));
  }

  buckets(): string[] {
    return this.deployed('AWS::S3::Bucket').map(([id]) => this.physical.ref(id));
  }

  eventBuses(): string[] {
    return this.deployed('AWS::Events::EventBus').map(([id]) => this.physical.ref(id));
  }

  lambdas(baseEnv: (name: string, memorySize: number) => Record<string, string>, extraEnvOf: (logicalId: string) => Record<string, string>, inlineDir: string): LambdaFunctionSpec[] {
    return this.deployed('AWS::Lambda::Function').map(([id, r]) => {
      const p = this.props(r);
      const name = this.physical.ref(id);
      const memorySize = Number(p.MemorySize ?? 128);
      const handler = String(p.Handler ?? 'index.handler');
      const dot = handler.lastIndexOf('.');
      const [modulePath, exportName] = dot > 0 ? [handler.slice(0, dot), handler.slice(dot + 1)] : [handler, 'handler'];
      let codeDir: string | undefined;
      let missingCodeReason: string | undefined;
      if (typeof p.Code?.ZipFile === 'string') {
        // Inline code: written out once so it loads like any other module.
        codeDir = path.join(inlineDir, id);
        fs.mkdirSync(codeDir, { recursive: true });
        fs.writeFileSync(path.join(codeDir, `${modulePath}.js`), p.Code.ZipFile);
      } else {
        codeDir = assetPath(this.stack, r, p.Code?.S3Key);
        if (!codeDir) missingCodeReason = `No code for ${id}: no "aws:asset:path" metadata and S3Key ${p.Code?.S3Key ?? '(none)'} is not a cdk.out asset`;
        else if (!fs.statSync(codeDir).isDirectory()) { missingCodeReason = `Asset ${codeDir} of ${id} is not a directory`; codeDir = undefined; }
      }
      const handlerFile = codeDir ? findModule(codeDir, modulePath) : undefined;
      if (codeDir && !handlerFile) missingCodeReason = `Cannot find module ${modulePath} in ${codeDir}`;
      const templateEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(p.Environment?.Variables ?? {})) templateEnv[k] = String(v);
      return {
        logicalId: id,
        name,
        arn: this.physical.getAtt(id, 'Arn') as string,
        handlerFile,
        exportName,
        timeoutSeconds: Number(p.Timeout ?? 3),
        memorySize,
        environment: { ...baseEnv(name, memorySize), ...(codeDir ? { LAMBDA_TASK_ROOT: codeDir } : {}), ...templateEnv, ...extraEnvOf(id) },
        missingCodeReason,
      };
    });
  }

  stateMachines(): Array<{ logicalId: string; name: string; arn: string; type: string; roleArn: string; definition: string }> {
    return this.deployed('AWS::StepFunctions::StateMachine').map(([id, r]) => {
      const p = this.props(r);
      let text: string;
      if (typeof p.DefinitionString === 'string') text = p.DefinitionString;
      else if (p.Definition && typeof p.Definition === 'object') text = JSON.stringify(p.Definition);
      else if (p.DefinitionS3Location) {
        const file = assetPath(this.stack, { Type: r.Type }, p.DefinitionS3Location.Key);
        if (!file) throw new Error(`State machine ${id}: definition ${p.DefinitionS3Location.Key} is not a cdk.out asset`);
        text = fs.readFileSync(file, 'utf8');
      } else {
        throw new Error(`State machine ${id} has no definition`);
      }
      // CloudFormation replaces ${Key} for the keys given, and leaves any other ${...} alone.
      const subs: Record<string, unknown> = p.DefinitionSubstitutions ?? {};
      text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (key in subs ? String(subs[key]) : whole));
      JSON.parse(text); // a substitution that broke the JSON fails here, with the machine's name
      return {
        logicalId: id,
        name: this.physical.getAtt(id, 'Name') as string,
        arn: this.physical.ref(id),
        type: String(p.StateMachineType ?? 'STANDARD'),
        roleArn: String(p.RoleArn ?? `arn:aws:iam::000000000000:role/${id}`),
        definition: text,
      };
    });
  }

  /** HTTP APIs with their stage and Lambda-backed routes. */
  httpApis(): Array<{ logicalId: string; apiId: string; stageName: string; routes: HttpRoute[]; notes: string[] }> {
    const integrations = new Map<string, { apiRef: string; uri: string; format: string; type: string }>();
    for (const [id, r] of this.deployed('AWS::ApiGatewayV2::Integration')) {
      const p = this.props(r);
      integrations.set(this.physical.ref(id), { apiRef: p.ApiId, uri: String(p.IntegrationUri ?? ''), format: String(p.PayloadFormatVersion ?? '1.0'), type: String(p.IntegrationType) });
    }
    return this.deployed('AWS::ApiGatewayV2::Api').map(([apiLogicalId, apiRes]) => {
      const apiId = this.physical.ref(apiLogicalId);
      const apiProps = this.props(apiRes);
      const notes: string[] = [];
      if (apiProps.ProtocolType && apiProps.ProtocolType !== 'HTTP') throw new Error(`API ${apiLogicalId}: only HTTP APIs are supported locally`);
      if (apiProps.CorsConfiguration) notes.push('CorsConfiguration not applied locally');
      const stages = this.deployed('AWS::ApiGatewayV2::Stage').map(([, s]) => this.props(s)).filter((s) => s.ApiId === apiId);
      const stageName = stages.find((s) => s.StageName === '$default')?.StageName ?? stages[0]?.StageName ?? '$default';
      const routes: HttpRoute[] = [];
      for (const [routeId, routeRes] of this.deployed('AWS::ApiGatewayV2::Route')) {
        const p = this.props(routeRes);
        if (p.ApiId !== apiId) continue;
        if (p.AuthorizationType && p.AuthorizationType !== 'NONE') notes.push(`${p.RouteKey}: ${p.AuthorizationType} authorization not enforced locally`);
        const integrationId = /^integrations\/(.+)$/.exec(String(p.Target ?? ''))?.[1];
        const integration = integrationId ? integrations.get(integrationId) : undefined;
        if (!integration) throw new Error(`Route ${routeId} (${p.RouteKey}) has no integration the local stack knows`);
        if (integration.type !== 'AWS_PROXY' || !/lambda/.test(integration.uri)) throw new Error(`Route ${p.RouteKey}: only Lambda proxy integrations are supported locally`);
        if (integration.format !== '2.0') throw new Error(`Route ${p.RouteKey}: payload format ${integration.format} is not supported locally (use 2.0)`);
        routes.push({ routeKey: String(p.RouteKey), functionName: integration.uri });
      }
      return { logicalId: apiLogicalId, apiId, stageName, routes, notes };
    });
  }

  schedules(): ScheduleSpec[] {
    return this.deployed('AWS::Scheduler::Schedule').map(([id, r]) => {
      const p = this.props(r);
      const tz = p.ScheduleExpressionTimezone;
      if (tz && !/^(UTC|Etc\/UTC|GMT)$/i.test(tz)) throw new Error(`Schedule ${id}: time zone ${tz} is not supported locally (UTC only)`);
      return {
        logicalId: id,
        name: this.physical.ref(id),
        expression: String(p.ScheduleExpression),
        enabled: (p.State ?? 'ENABLED') === 'ENABLED',
        target: { arn: String(p.Target?.Arn), input: p.Target?.Input === undefined ? undefined : String(p.Target.Input) },
      };
    });
  }
}

function findModule(dir: string, modulePath: string): string | undefined {
  for (const ext of ['.js', '.cjs', '.mjs']) {
    const f = path.join(dir, modulePath + ext);
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}
