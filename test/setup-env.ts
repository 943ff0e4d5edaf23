// The AWS SDK warns on every client that Node 20 support ends; that is noise in test output.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
process.emitWarning = ((orig) => (warning: string | Error, ...rest: any[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/NodeDeprecationWarning|Node\.js 20|end of support/i.test(text) || rest.some((r) => typeof r === 'object' && r?.type === 'NodeDeprecationWarning')) return;
  return (orig as any)(warning, ...rest);
})(process.emitWarning.bind(process));
