/** Synthesizes the CDK app once for every test that runs the local stack from cdk.out (skipped when cdk.out is newer than its sources). */
export default async function globalSetup(): Promise<void> {
  const { isSynthFresh, synth } = await import('../local/ledgerflow');
  if (isSynthFresh()) return;
  const started = Date.now();
  synth();
  console.log(`\n[global-setup] cdk synth in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
