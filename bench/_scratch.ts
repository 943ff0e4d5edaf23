import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
const n = Number(process.argv[2]);
const which = process.argv[3];
let s = 'OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n';
const parts=[s];
for (let i=0;i<n;i++) parts.push(`<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>20230105120000.000[-5:EST]\n<TRNAMT>-${i%997}.12\n<FITID>${String(i).padStart(12,'0')}\n<NAME>MERCHANT ${i} &amp; CO\n<MEMO>POS PURCHASE REF ${i}\n</STMTTRN>\n`);
parts.push('</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>');
s = parts.join('');
(async () => {
  const ofxJs: any = await import('ofx-js');
  const nodeOfx = require('node-ofx-parser');
  const f: any = which === 'ours' ? parseOfx : which === 'ofxjs' ? ofxJs.parseSync : nodeOfx.parse;
  for (let k=0;k<4;k++) f(s); const t = Date.now(); for (let k=0;k<5;k++) f(s); const ms = (Date.now() - t)/5;
  console.log(which, n, (s.length/1048576).toFixed(2), 'MB', ms, 'ms', (s.length/1048576/(ms/1000)).toFixed(1), 'MB/s');
})();
