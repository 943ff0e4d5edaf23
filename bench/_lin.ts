import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
function big(target: number) {
  const parts=['OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n'];
  let len = 0, i = 0;
  while (len < target) { const p = `<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>202301${String(i%28+1).padStart(2,'0')}120000.000[-5:EST]\n<TRNAMT>-${i%997}.12\n<FITID>${String(i).padStart(12,'0')}\n<NAME>MERCHANT ${i} &amp; CO\n<MEMO>POS PURCHASE REF ${i}\n</STMTTRN>\n`; parts.push(p); len += p.length; i++; }
  parts.push('</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>');
  return parts.join('');
}
const s = big(1 << 20);
const M = 1 << 20;
const cases: Record<string,string> = {
  statement: s,
  tagname: '<OFX><' + 'A'.repeat(M) + '>x</OFX>',
  lts: '<OFX>' + '<'.repeat(M) + '</OFX>',
  deep: '<OFX>' + '<A>'.repeat(M / 3 | 0) + '</OFX>',
  deepClosed: '<OFX>' + '<A>'.repeat(M / 7 | 0) + '</A>'.repeat(M/7|0) + '</OFX>',
  longline: s.replace(/\n/g, ''),
};
for (const [k, v] of Object.entries(cases)) {
  const times: number[] = [];
  for (let r = 0; r < 4; r++) { const t = process.hrtime.bigint(); try { parseOfx(v); } catch (e) {} times.push(Number(process.hrtime.bigint() - t) / 1e6); }
  console.log(k, (v.length/1048576).toFixed(2), times.map(t => t.toFixed(1)).join(' '));
}
