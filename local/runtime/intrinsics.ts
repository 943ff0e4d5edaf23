/**
 * CloudFormation intrinsic functions, evaluated against the local deployment.
 * Unsupported intrinsics throw at start-up: a template the local stack cannot read
 * faithfully should fail loudly, not run with a silently wrong value.
 */
import { CfnTemplate } from './template';

export const PSEUDO = {
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
};

/** Marker for AWS::NoValue: the property (or list element) is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export interface RefSource {
  /** Value of `Ref` to a resource (its physical id). */
  ref(logicalId: string): string;
  /** Value of `Fn::GetAtt` on a resource. */
  getAtt(logicalId: string, attribute: string): unknown;
}

export class IntrinsicResolver {
  private readonly conditionCache = new Map<string, boolean>();

  constructor(
    private readonly template: CfnTemplate,
    private readonly stackName: string,
    private readonly source: RefSource,
  ) {}

  /** Fully resolves a value; AWS::NoValue at the top level becomes undefined. */
  resolve(value: unknown): any {
    const out = this.eval(value);
    return out === NO_VALUE ? undefined : out;
  }

  condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expr = this.template.Conditions?.[name];
    if (expr === undefined) throw new Error(`Unknown condition ${name}`);
    const result = Boolean(this.eval(expr));
    this.conditionCache.set(name, result);
    return result;
  }

  private eval(value: unknown): any {
    if (Array.isArray(value)) {
      return value.map((v) => this.eval(v)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.intrinsic(keys[0], (value as any)[keys[0]]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.eval(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private refValue(name: string): unknown {
    switch (name) {
      case 'AWS::Region': return PSEUDO.region;
      case 'AWS::AccountId': return PSEUDO.accountId;
      case 'AWS::Partition': return PSEUDO.partition;
      case 'AWS::URLSuffix': return PSEUDO.urlSuffix;
      case 'AWS::StackName': return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${PSEUDO.region}:${PSEUDO.accountId}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue': return NO_VALUE;
      case 'AWS::NotificationARNs': return [];
    }
    const param = this.template.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new Error(`Parameter ${name} has no Default; the local stack passes no parameters`);
      return param.Default;
    }
    if (!this.template.Resources[name]) throw new Error(`Ref to unknown resource or parameter ${name}`);
    return this.source.ref(name);
  }

  private intrinsic(fn: string, arg: any): any {
    switch (fn) {
      case 'Ref':
        return this.refValue(arg);
      case 'Condition':
        return this.condition(arg);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        if (!this.template.Resources[id]) throw new Error(`Fn::GetAtt on unknown resource ${id}`);
        return this.source.getAtt(id, this.eval(attr));
      }
      case 'Fn::Join': {
        const [delim, list] = arg;
        const items = this.eval(list) as unknown[];
        return items.map(String).join(delim);
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Select': {
        const [index, list] = arg;
        const items = this.eval(list) as unknown[];
        const i = Number(this.eval(index));
        if (!Array.isArray(items) || i < 0 || i >= items.length) throw new Error(`Fn::Select index ${i} out of range`);
        return items[i];
      }
      case 'Fn::Split': {
        const [delim, str] = arg;
        return String(this.eval(str)).split(delim);
      }
      case 'Fn::If': {
        const [cond, whenTrue, whenFalse] = arg;
        return this.condition(cond) ? this.eval(whenTrue) : this.eval(whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = arg;
        return JSON.stringify(this.eval(a)) === JSON.stringify(this.eval(b));
      }
      case 'Fn::Not':
        return !this.eval(arg[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => Boolean(this.eval(c)));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => Boolean(this.eval(c)));
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map((a) => this.eval(a));
        const v = this.template.Mappings?.[map as string]?.[top as string]?.[second as string];
        if (v === undefined) throw new Error(`Fn::FindInMap ${map}.${top}.${second} not found`);
        return v;
      }
      case 'Fn::Base64':
        return Buffer.from(String(this.eval(arg))).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${PSEUDO.region}${z}`);
      case 'Fn::ToJsonString':
        return JSON.stringify(this.eval(arg));
      case 'Fn::Length':
        return (this.eval(arg) as unknown[]).length;
      default:
        throw new Error(`Intrinsic ${fn} is not supported by the local stack`);
    }
  }

  /** Fn::Sub, both the string form and the [string, variables] form. */
  private sub(arg: any): string {
    const [template, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const locals: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(vars ?? {})) locals[k] = this.eval(v);
    return String(template).replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return '${' + name.slice(1) + '}';
      if (name in locals) return String(locals[name]);
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        return String(this.intrinsic('Fn::GetAtt', [name.slice(0, dot), name.slice(dot + 1)]));
      }
      return String(this.refValue(name));
    });
  }
}
