import { isoFromParts } from '../lambdas/shared/statements/common';
let seed = 1; const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
let bad = 0;
for (let i = 0; i < 200000; i++) {
  const y = rnd(3) === 0 ? rnd(10000) : 1900 + rnd(200), mo = 1 + rnd(12), d = 1 + rnd(28 + (rnd(2))), h = rnd(24), mi = rnd(60), s = rnd(60), ms = rnd(1000), off = (rnd(29) - 14) * 60 + (rnd(2) ? 30 : 0);
  const exp = new Date(0); exp.setUTCFullYear(y, mo - 1, d); exp.setUTCHours(h, mi, s, ms);
  const e = new Date(exp.getTime() - off * 60000).toISOString();
  const got = isoFromParts(y, mo, d, h, mi, s, ms, off);
  if (got !== e) { if (bad++ < 5) console.log(y, mo, d, h, mi, s, ms, off, got, e); }
}
console.log('bad', bad);
