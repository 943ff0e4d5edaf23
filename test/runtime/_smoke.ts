import { startLocalStack } from '../../local/runtime';
(async () => {
  const stack = await startLocalStack({
    cdkOut: 'test/runtime/fixtures/assembly', dataDir: '/tmp/lf-smoke', extraEnv: { EXTRA: 'x' },
    log: (l) => console.log(l.slice(0, 300)),
    stepFunctionsFactory: () => ({ createStateMachine: (i) => `arn:aws:states:us-east-1:000000000000:stateMachine:${i.name}`, listen: (p) => `http://127.0.0.1:${p}`, close: () => {} }),
  });
  console.log(stack.physicalIds);
  const t = Date.now();
  const [a, b] = await Promise.all([stack.invokeLambda('AlphaFnAAAA1111', { action: 'env', delayMs: 300 }), stack.invokeLambda('fixture-beta', { action: 'env', delayMs: 300 })]);
  console.log(Date.now() - t, JSON.stringify(a), JSON.stringify(b));
  console.log(JSON.stringify(await stack.invokeLambda('AlphaFnAAAA1111', { action: 'ddb', pk: 'u1', amount: '12.34' })));
  console.log(JSON.stringify(await stack.invokeLambda('AlphaFnAAAA1111', { action: 's3', key: 'raw/x.txt', body: 'hello' })));
  console.log(JSON.stringify(await stack.invokeLambda('AlphaFnAAAA1111', { action: 'event', detailType: 'T', detail: { a: 1 } })));
  console.log(JSON.stringify(await stack.invokeLambda('fixture-beta', { action: 'spin', ms: 3000 })));
  console.log(JSON.stringify(await stack.invokeLambda('fixture-beta', { action: 'throw', userId: 'u9' })));
  const r = await fetch(stack.endpoints.api + '/users/u%201/refresh?x=1&x=2', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', cookie: 'a=1; b=2' } });
  console.log(r.status, [...r.headers], await r.text());
  for (const p of ['/institutions', '/files/a/b/c', '/nope']) { const r2 = await fetch(stack.endpoints.api + p); console.log(p, r2.status, await r2.text()); }
  await stack.stop();
})().catch((e) => { console.error(e); process.exit(1); });
