import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
const n = 20000;
const parts=['OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n'];
for (let i=0;i<n;i++) parts.push(`<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>20230105120000.000[-5:EST]\n<TRNAMT>-${i%997}.12\n<FITID>${String(i).padStart(12,'0')}\n<NAME>MERCHANT ${i} &amp; CO\n<MEMO>POS PURCHASE REF ${i}\n</STMTTRN>\n`);
parts.push('</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>');
const s = parts.join('');
for (let k=0;k<20;k++) parseOfx(s);
