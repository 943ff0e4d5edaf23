/**
 * OFX responses of the sandbox bank, written as a real Direct Connect server writes them. 2.x
 * requests get OFX 2.2 XML with pending transactions (BANKTRANLISTP) and card closings
 * (CCSTMTENDRS/CCCLOSING); 1.x requests get OFX 1.02 SGML, which has neither.
 *
 * One deviation, documented: OFX 2.2 STMTTRNP has no FITID; the sandbox writes one (right after
 * TRNAMT) so that a pending transaction has a stable id, as aggregators need.
 */
import { agg, leaf, writeDocument, type OfxDialect, type OfxElement } from '../../lambdas/shared/ofx-client/tree';
import { fromMinorUnits } from '../../lambdas/shared/money';
import { instant, ofxDateTime, ofxDateTimeAt } from './dates';
import type { Institution } from './institutions';
import type { AccountBook, CardClosing, SandboxAccount } from './ledger';

export interface OfxStatus {
  code: number;
  severity: 'INFO' | 'WARN' | 'ERROR';
  message?: string;
}

export const OK: OfxStatus = { code: 0, severity: 'INFO' };

export function status(s: OfxStatus): OfxElement {
  return agg('STATUS', leaf('CODE', s.code), leaf('SEVERITY', s.severity), leaf('MESSAGE', s.message));
}

const money = (cents: number) => fromMinorUnits(BigInt(cents));

/** The simulated "now" of an institution: the last second of the simulated day in its zone. */
export function serverNow(inst: Institution, today: number): string {
  return ofxDateTime(today, 86_399, inst.zone);
}

export function signonResponse(inst: Institution, today: number, s: OfxStatus): OfxElement {
  return agg(
    'SIGNONMSGSRSV1',
    agg('SONRS', status(s), leaf('DTSERVER', serverNow(inst, today)), leaf('LANGUAGE', 'ENG'), agg('FI', leaf('ORG', inst.org), leaf('FID', inst.fid))),
  );
}

export function document(parts: OfxElement[], dialect: OfxDialect): string {
  return writeDocument(agg('OFX', ...parts), dialect);
}

function accountFrom(account: SandboxAccount): OfxElement {
  if (account.type === 'credit_card') return agg('CCACCTFROM', leaf('ACCTID', account.id));
  return agg('BANKACCTFROM', leaf('BANKID', account.institution.bankId), leaf('ACCTID', account.id), leaf('ACCTTYPE', account.type.toUpperCase()));
}

export function accountInfoResponse(trnUid: string, inst: Institution, today: number, accounts: SandboxAccount[]): OfxElement {
  const infos = accounts.map((a) =>
    agg(
      'ACCTINFO',
      leaf('DESC', a.description),
      agg(
        a.type === 'credit_card' ? 'CCACCTINFO' : 'BANKACCTINFO',
        accountFrom(a),
        leaf('SUPTXDL', 'Y'),
        leaf('XFERSRC', a.type === 'credit_card' ? 'N' : 'Y'),
        leaf('XFERDEST', a.type === 'credit_card' ? 'N' : 'Y'),
        leaf('SVCSTATUS', 'ACTIVE'),
      ),
    ),
  );
  return agg('ACCTINFOTRNRS', leaf('TRNUID', trnUid), status(OK), agg('ACCTINFORS', leaf('DTACCTUP', serverNow(inst, today)), ...infos));
}

export function mfaChallengeResponse(trnUid: string, phraseId: string): OfxElement {
  return agg(
    'MFACHALLENGETRNRS',
    leaf('TRNUID', trnUid),
    status(OK),
    agg('MFACHALLENGERS', agg('MFACHALLENGE', leaf('MFAPHRASEID', phraseId), leaf('MFAPHRASELABEL', 'Enter the one-time code we sent to your phone'))),
  );
}

export interface StatementWindow {
  /** DTSTART instant requested (inclusive); absent = full history. */
  startMs?: number;
  /** DTEND instant requested (exclusive); absent = now. */
  endMs?: number;
  includePending: boolean;
}

/** STMTTRNRS / CCSTMTTRNRS for one account, or the transaction wrapper with an error status. */
export function statementResponse(trnUid: string, book: AccountBook | OfxStatus, dialect: OfxDialect, window: StatementWindow, card: boolean): OfxElement {
  const wrapper = card ? 'CCSTMTTRNRS' : 'STMTTRNRS';
  if (!('account' in book)) return agg(wrapper, leaf('TRNUID', trnUid), status(book));
  const { account } = book;
  const zone = account.institution.zone;
  const endOfToday = instant(book.asOfDay + 1, 0, zone);
  const endMs = window.endMs ?? endOfToday;
  const startMs = window.startMs ?? Math.min(instant(book.historyStartDay, 0, zone), endMs);
  const posted = book.posted.filter((t) => t.postedMs >= startMs && t.postedMs < endMs);
  const asOf = serverNowFor(book);
  const tranList = agg(
    'BANKTRANLIST',
    leaf('DTSTART', ofxDateTimeAt(startMs, zone)),
    leaf('DTEND', ofxDateTimeAt(endMs, zone)),
    ...posted.map((t) =>
      agg(
        'STMTTRN',
        leaf('TRNTYPE', t.trnType),
        leaf('DTPOSTED', t.dtPosted),
        leaf('DTUSER', t.dtUser),
        leaf('TRNAMT', money(t.amountCents)),
        leaf('FITID', t.fitId),
        leaf('CHECKNUM', t.checkNum),
        leaf('NAME', t.name),
        leaf('MEMO', t.memo),
      ),
    ),
  );
  const pending =
    dialect === 'xml' && window.includePending && book.pending.length > 0
      ? agg(
          'BANKTRANLISTP',
          leaf('DTASOF', asOf),
          ...book.pending.map((p) =>
            agg(
              'STMTTRNP',
              leaf('TRNTYPE', p.trnType),
              leaf('DTTRAN', p.dtTran),
              leaf('DTEXPIRE', p.dtExpire),
              leaf('TRNAMT', money(p.amountCents)),
              leaf('FITID', p.fitId),
              leaf('NAME', p.name),
              leaf('MEMO', p.memo),
            ),
          ),
        )
      : undefined;
  const rs = agg(
    card ? 'CCSTMTRS' : 'STMTRS',
    leaf('CURDEF', account.currency),
    accountFrom(account),
    tranList,
    pending,
    agg('LEDGERBAL', leaf('BALAMT', money(book.ledgerCents)), leaf('DTASOF', asOf)),
    agg('AVAILBAL', leaf('BALAMT', money(book.availableCents)), leaf('DTASOF', asOf)),
  );
  return agg(wrapper, leaf('TRNUID', trnUid), status(OK), rs);
}

function serverNowFor(book: AccountBook): string {
  return ofxDateTime(book.asOfDay, 86_399, book.account.institution.zone);
}

/** CCSTMTENDTRNRS: the card's closed statements whose closing date falls in the window (OFX 2.x). */
export function closingResponse(trnUid: string, book: AccountBook | OfxStatus, window: { startMs?: number; endMs?: number }): OfxElement {
  if (!('account' in book)) return agg('CCSTMTENDTRNRS', leaf('TRNUID', trnUid), status(book));
  const zone = book.account.institution.zone;
  const inWindow = (c: CardClosing) => {
    const closeMs = instant(c.closeDay, 86_399, zone);
    return (window.startMs === undefined || closeMs >= window.startMs) && (window.endMs === undefined || closeMs < window.endMs);
  };
  const date = (day: number) => ofxDateTime(day, 0, zone);
  const closings = book.closings.filter(inWindow).map((c) =>
    agg(
      'CCCLOSING',
      leaf('FITID', c.fitId),
      leaf('DTOPEN', date(c.openDay)),
      leaf('DTCLOSE', date(c.closeDay)),
      leaf('DTNEXT', date(c.nextCloseDay)),
      leaf('BALOPEN', money(-c.openOwedCents)),
      leaf('BALCLOSE', money(-c.closeOwedCents)),
      leaf('PAYANDCREDIT', money(c.paymentsCents)),
      leaf('PURANDADV', money(c.purchasesCents)),
      leaf('DTPMTDUE', date(c.dueDay)),
      leaf('MINPMTDUE', money(c.minPaymentCents)),
      leaf('CREDITLIMIT', money(book.account.creditLimitCents ?? 0)),
      leaf('DTPOSTSTART', date(c.openDay)),
      leaf('DTPOSTEND', ofxDateTime(c.closeDay, 86_399, zone)),
    ),
  );
  return agg(
    'CCSTMTENDTRNRS',
    leaf('TRNUID', trnUid),
    status(OK),
    agg('CCSTMTENDRS', leaf('CURDEF', book.account.currency), accountFrom(book.account), ...closings),
  );
}
