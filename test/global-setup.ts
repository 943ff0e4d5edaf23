/** Synthesizes the CDK app once for every test that runs the local stack from cdk.out. */
export default async function globalSetup(): Promise<void> {
  const { synth } = await import('../local/ledgerflow');
  const started = Date.now();
  synth();
  console.log(`\n[global-setup] cdk synth in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
