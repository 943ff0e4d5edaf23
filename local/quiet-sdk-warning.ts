/**
 * The AWS SDK warns on Node 20 that future versions need Node 22. It is true and known (README,
 * prerequisites) and repeats in every process and worker: keep it out of test and console output.
 */
const SDK_NODE_WARNING = /NodeVersionSupportWarning|NodeDeprecationWarning|will require node >=22|end of support/i;

export function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : `${warning.name} ${warning.message}`;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (SDK_NODE_WARNING.test(text) || (type && SDK_NODE_WARNING.test(type))) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
