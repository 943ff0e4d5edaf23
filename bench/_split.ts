import { buildTree } from '../lambdas/shared/statements/ofx/tree';
import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
const parts=['OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n'];
let len = 0, i = 0;
while (len < (1<<20)) { const p = `<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>202301${String(i%28+1).padStart(2,'0')}120000.000[-5:EST]\n<TRNAMT>-${i%997}.12\n<FITID>${String(i).padStart(12,'0')}\n<NAME>MERCHANT ${i} &amp; CO\n<MEMO>POS PURCHASE REF ${i}\n</STMTTRN>\n`; parts.push(p); len += p.length; i++; }
parts.push('</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>');
const s = parts.join('');
for (let r = 0; r < 8; r++) { let t = process.hrtime.bigint(); buildTree(s); const a = Number(process.hrtime.bigint() - t) / 1e6; t = process.hrtime.bigint(); parseOfx(s); console.log('tree', a.toFixed(1), 'full', (Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)); }
