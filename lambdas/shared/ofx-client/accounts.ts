/** Reads the account list (SIGNUPMSGSRSV1/ACCTINFOTRNRS/ACCTINFORS) of an OFX response. */
import type { AccountType } from '../model';
import { find, findAll, readOfx, textAt } from '../statements/ofx/tree';
import type { OfxAccountRef } from './request';

export interface ListedAccount extends OfxAccountRef {
  type: AccountType;
  description?: string;
}

const TYPES: Record<string, AccountType> = { CHECKING: 'checking', SAVINGS: 'savings', MONEYMRKT: 'savings', CREDITLINE: 'credit_card' };

/** Accounts that support statement download (SUPTXDL), in the institution's order. Throws on an unreadable document. */
export function readAccountList(doc: string): ListedAccount[] {
  const rs = find(readOfx(doc), 'ACCTINFORS');
  if (!rs) throw new Error('no ACCTINFORS in the response');
  const out: ListedAccount[] = [];
  for (const info of findAll(rs, 'ACCTINFO')) {
    const description = textAt(info, 'DESC');
    const bank = find(info, 'BANKACCTINFO');
    const card = find(info, 'CCACCTINFO');
    const detail = bank ?? card;
    if (!detail || textAt(detail, 'SUPTXDL') === 'N') continue; // investment/loan accounts, or no download
    const id = textAt(detail, bank ? 'BANKACCTFROM' : 'CCACCTFROM', 'ACCTID');
    if (!id) continue;
    if (bank) {
      const ofxType = (textAt(bank, 'BANKACCTFROM', 'ACCTTYPE') || 'CHECKING').toUpperCase();
      const bankId = textAt(bank, 'BANKACCTFROM', 'BANKID');
      out.push({ id, type: Object.hasOwn(TYPES, ofxType) ? TYPES[ofxType] : 'other', ofxType, ...(bankId ? { bankId } : {}), card: false, ...(description ? { description } : {}) });
    } else {
      out.push({ id, type: 'credit_card', card: true, ...(description ? { description } : {}) });
    }
  }
  return out;
}

/** SONRS STATUS CODE of a response, when it has one. */
export function signonCode(doc: string): number | undefined {
  try {
    const code = textAt(readOfx(doc), 'SONRS', 'STATUS', 'CODE');
    return code === undefined || !/^\d+$/.test(code) ? undefined : Number(code);
  } catch {
    return undefined;
  }
}
