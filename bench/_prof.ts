import { parseOfx } from '../lambdas/shared/statements/ofx/parse';
const n = 20000;
const parts=['OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n'];
for (let i=0;i<n;i++) parts.push(`<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>2023${String(i%12+1).padStart(2,'0')}${String(i%28+1).padStart(2,'0')}120000.000[-5:EST]\n<TRNAMT>-${i%997}.12\n<FITID>${String(i).padStart(12,'0')}\n<NAME>MERCHANT ${i%113} &amp; CO\n<MEMO>POS PURCHASE REF ${i}\n</STMTTRN>\n`);
parts.push('</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>');
const s = parts.join('');
const times: number[] = [];
for (let k=0;k<25;k++) { const t = process.hrtime.bigint(); parseOfx(s); times.push(Number(process.hrtime.bigint()-t)/1e6); }
times.sort((a,b)=>a-b); console.log('median', times[12].toFixed(1), 'ms', (s.length/1048576/(times[12]/1000)).toFixed(1), 'MB/s');
