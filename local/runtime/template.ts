/**
 * Reads a synthesized cloud assembly (cdk.out): picks the stack's template and maps
 * asset object keys back to the staged files, so the local stack runs exactly the bundles
 * and definitions `cdk deploy` would upload.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface CloudAssemblyStack {
  stackName: string;
  cdkOut: string;
  templateFile: string;
  template: CfnTemplate;
  /** Asset object key (e.g. "<hash>.zip") -> absolute path of the staged file or directory. */
  assetsByObjectKey: Map<string, string>;
}

interface ManifestArtifact {
  type: string;
  displayName?: string;
  properties?: { templateFile?: string; stackName?: string };
}

export function loadStack(cdkOut: string, stackName?: string): CloudAssemblyStack {
  const root = path.resolve(cdkOut);
  const manifestPath = path.join(root, 'manifest.json');
  if (!fs.existsSync(manifestPath)) throw new Error(`No cloud assembly at ${root} (manifest.json missing): run \`npx cdk synth --quiet\` first`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
  const stacks = Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => ({ id, name: a.properties!.stackName ?? id, templateFile: a.properties!.templateFile! }));
  const chosen = stackName
    ? stacks.find((s) => s.name === stackName || s.id === stackName)
    : stacks.length === 1 ? stacks[0] : undefined;
  if (!chosen) {
    throw new Error(`Cannot pick a stack in ${root}: asked for ${stackName ?? '(any)'}, found ${stacks.map((s) => s.name).join(', ') || 'none'}`);
  }
  const templateFile = path.join(root, chosen.templateFile);
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as CfnTemplate;
  if (!template.Resources) throw new Error(`${templateFile} has no Resources`);

  const assetsByObjectKey = new Map<string, string>();
  for (const file of fs.readdirSync(root).filter((f) => f.endsWith('.assets.json'))) {
    const assets = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as {
      files?: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    for (const entry of Object.values(assets.files ?? {})) {
      for (const dest of Object.values(entry.destinations ?? {})) {
        assetsByObjectKey.set(dest.objectKey, path.resolve(root, entry.source.path));
      }
    }
  }
  return { stackName: chosen.name, cdkOut: root, templateFile, template, assetsByObjectKey };
}

/** Directory or file holding a resource's asset: Metadata "aws:asset:path" first, else the object key. */
export function assetPath(stack: CloudAssemblyStack, resource: CfnResource, objectKey?: string): string | undefined {
  const metaPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metaPath === 'string') {
    const p = path.resolve(stack.cdkOut, metaPath);
    if (fs.existsSync(p)) return p;
  }
  if (objectKey) return stack.assetsByObjectKey.get(objectKey);
  return undefined;
}
