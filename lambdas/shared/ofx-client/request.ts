/**
 * OFX 2.2 (XML) Direct Connect requests: SIGNON + account list (ACCTINFORQ), and one statement
 * request per account (STMTRQ for bank accounts, CCSTMTRQ + CCSTMTENDRQ for cards).
 * The documents hold the password: they are built, sent, and never logged or kept.
 */
import { randomUUID } from 'node:crypto';
import { agg, leaf, writeDocument, type OfxElement } from './tree';

export interface SignOn {
  org: string;
  fid: string;
  username: string;
  password: string;
  /** Answer to the institution's MFA challenge, sent with every SONRQ when given. */
  mfaCode?: string;
  /** The MFA phrase id the answer belongs to (default "MFA1", the sandbox bank's). */
  mfaPhraseId?: string;
  /** APPID/APPVER to present; many Direct Connect servers only admit Quicken's ("QWIN" 2700). */
  appId?: string;
  appVer?: string;
}

export interface OfxAccountRef {
  id: string;
  /** OFX ACCTTYPE (CHECKING, SAVINGS, MONEYMRKT, CREDITLINE) of a bank account; absent for cards. */
  ofxType?: string;
  bankId?: string;
  card: boolean;
}

/** OFX date-time in UTC, e.g. 20261201120000.000[0:GMT]. */
export function ofxUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19).replace(/[-T:]/g, '')}.${iso.slice(20, 23)}[0:GMT]`;
}

function signOn(s: SignOn, now: number): OfxElement {
  return agg(
    'SIGNONMSGSRQV1',
    agg(
      'SONRQ',
      leaf('DTCLIENT', ofxUtc(now)),
      leaf('USERID', s.username),
      leaf('USERPASS', s.password),
      leaf('LANGUAGE', 'ENG'),
      agg('FI', leaf('ORG', s.org), leaf('FID', s.fid)),
      leaf('APPID', s.appId ?? 'QWIN'),
      leaf('APPVER', s.appVer ?? '2700'),
      s.mfaCode !== undefined && agg('MFACHALLENGEANSWER', leaf('MFAPHRASEID', s.mfaPhraseId ?? 'MFA1'), leaf('MFAPHRASEA', s.mfaCode)),
    ),
  );
}

export function accountListRequest(s: SignOn, now = Date.now()): string {
  return writeDocument(
    agg(
      'OFX',
      signOn(s, now),
      agg('SIGNUPMSGSRQV1', agg('ACCTINFOTRNRQ', leaf('TRNUID', randomUUID()), agg('ACCTINFORQ', leaf('DTACCTUP', ofxUtc(0))))),
    ),
    'xml',
  );
}

export interface StatementRange {
  /** Only transactions posted at or after this instant (pending ones always come). */
  sinceMs?: number;
  /** Also ask a card's closed statements (CCSTMTENDRQ). */
  includeClosings: boolean;
}

export function statementRequest(s: SignOn, account: OfxAccountRef, range: StatementRange, now = Date.now()): string {
  const inctran = agg('INCTRAN', leaf('DTSTART', range.sinceMs === undefined ? undefined : ofxUtc(range.sinceMs)), leaf('INCLUDE', 'Y'));
  const messages = account.card
    ? agg(
        'CREDITCARDMSGSRQV1',
        agg('CCSTMTTRNRQ', leaf('TRNUID', randomUUID()), agg('CCSTMTRQ', agg('CCACCTFROM', leaf('ACCTID', account.id)), inctran, leaf('INCLUDEPENDING', 'Y'))),
        range.includeClosings &&
          agg(
            'CCSTMTENDTRNRQ',
            leaf('TRNUID', randomUUID()),
            agg('CCSTMTENDRQ', agg('CCACCTFROM', leaf('ACCTID', account.id)), leaf('DTSTART', range.sinceMs === undefined ? undefined : ofxUtc(range.sinceMs))),
          ),
      )
    : agg(
        'BANKMSGSRQV1',
        agg(
          'STMTTRNRQ',
          leaf('TRNUID', randomUUID()),
          agg(
            'STMTRQ',
            agg('BANKACCTFROM', leaf('BANKID', account.bankId), leaf('ACCTID', account.id), leaf('ACCTTYPE', account.ofxType ?? 'CHECKING')),
            inctran,
            leaf('INCLUDEPENDING', 'Y'),
          ),
        ),
      );
  return writeDocument(agg('OFX', signOn(s, now), messages), 'xml');
}
