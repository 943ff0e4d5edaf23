import { buildTree } from '../lambdas/shared/statements/ofx/tree';
import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
const M = 1 << 20;
const v = '<OFX>' + '<A>'.repeat(M / 3 | 0) + '</OFX>';
for (let r = 0; r < 3; r++) { let t = process.hrtime.bigint(); buildTree(v); const a = Number(process.hrtime.bigint() - t) / 1e6; t = process.hrtime.bigint(); try { parseOfx(v) } catch {} ; console.log('tree', a.toFixed(1), 'full', (Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)); }
