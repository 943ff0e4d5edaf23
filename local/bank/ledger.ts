/**
 * The sandbox bank's books: which accounts a customer has and what happened on them, derived only
 * from (seed, customer, institution, account, day). Generating "as of" a later day replays the
 * same days first, so moving the clock forward only adds to the past, never rewrites it.
 *
 * Amounts are integer cents (exact in a JS number far beyond any sandbox balance) and become
 * decimal strings only through money.ts.
 */
import { Rng } from './prng';
import { dayOf, dayParts, formatDay, instant, ofxDateTime, type Zone } from './dates';
import { INSTITUTIONS, type Institution } from './institutions';
import { fromMinorUnits } from '../../lambdas/shared/money';

export type SandboxAccountType = 'checking' | 'savings' | 'credit_card';

export interface SandboxAccount {
  institution: Institution;
  /** ACCTID: a long digit string, leading zeros possible. */
  id: string;
  type: SandboxAccountType;
  description: string;
  currency: 'USD';
  /** Card accounts only. */
  creditLimitCents?: number;
}

export interface PostedTxn {
  fitId: string;
  trnType: string;
  day: number;
  /** DTPOSTED exactly as written, and the instant it denotes. */
  dtPosted: string;
  postedMs: number;
  /** DTUSER (card purchases: when the card was used). */
  dtUser?: string;
  amountCents: number;
  name: string;
  memo?: string;
  checkNum?: string;
}

export interface PendingTxn {
  fitId: string;
  trnType: string;
  /** DTTRAN as written and its instant. */
  dtTran: string;
  tranMs: number;
  /** When the hold lapses if it never posts (DTEXPIRE). */
  dtExpire: string;
  amountCents: number;
  name: string;
  memo?: string;
}

export interface CardClosing {
  fitId: string;
  openDay: number;
  closeDay: number;
  nextCloseDay: number;
  dueDay: number;
  /** Amounts owed (positive) at open and close; the OFX writes them with the card sign (negative). */
  openOwedCents: number;
  closeOwedCents: number;
  paymentsCents: number;
  purchasesCents: number;
  minPaymentCents: number;
}

export interface AccountBook {
  account: SandboxAccount;
  asOfDay: number;
  historyStartDay: number;
  posted: PostedTxn[];
  pending: PendingTxn[];
  /** Ledger balance with the institution's sign (a card's is negative when money is owed). */
  ledgerCents: number;
  availableCents: number;
  closings: CardClosing[];
}

/** The accounts a customer holds at one institution, in account-list order. */
export function accountsAt(seed: string, institution: Institution, customerId: string): SandboxAccount[] {
  const rng = new Rng(seed, institution.id, customerId, 'accounts');
  if (institution.kind === 'bank') {
    const checking = '00' + rng.digits(10);
    let savings = rng.digits(12);
    // Keep masks (last 4) distinct so an account is identified by institution + mask.
    while (savings.slice(-4) === checking.slice(-4)) savings = rng.digits(12);
    return [
      { institution, id: checking, type: 'checking', description: 'Everyday Checking', currency: 'USD' },
      { institution, id: savings, type: 'savings', description: 'High Yield Savings', currency: 'USD' },
    ];
  }
  const limits = [500_000, 800_000, 1_200_000, 1_500_000];
  return [
    {
      institution,
      id: '4' + rng.digits(15),
      type: 'credit_card',
      description: 'Sandbox Rewards Visa',
      currency: 'USD',
      creditLimitCents: rng.pick(limits),
    },
  ];
}

export function allAccounts(seed: string, customerId: string): SandboxAccount[] {
  return INSTITUTIONS.flatMap((i) => accountsAt(seed, i, customerId));
}

/** The account's book at the end of `asOfDay`; history starts on `historyStartDay`. */
export function accountBook(seed: string, customerId: string, account: SandboxAccount, historyStartDay: number, asOfDay: number): AccountBook {
  switch (account.type) {
    case 'checking':
      return checkingBook(seed, customerId, account, historyStartDay, asOfDay);
    case 'savings':
      return savingsBook(seed, customerId, account, historyStartDay, asOfDay);
    case 'credit_card':
      return cardBook(seed, customerId, account, historyStartDay, asOfDay);
  }
}

const SHOPS = ['WHOLE FOODS MARKET', 'SHELL OIL 5744', 'AMAZON MKTPLACE', 'TARGET 00012', 'CVS/PHARMACY', 'H&M 0412', 'TRADER JOE\'S #552', 'AT&T WIRELESS', 'COSTCO WHSE', 'HOME DEPOT'];
const RESTAURANTS = ['JOE\'S DINER', 'BLUE BOTTLE COFFEE', 'CHIPOTLE 1187', 'PIZZA & PASTA CO'];

function ymd(day: number): string {
  return formatDay(day).replace(/-/g, '');
}

function post(account: SandboxAccount, day: number, seconds: number, fitId: string, trnType: string, amountCents: number, name: string, extra: Partial<PostedTxn> = {}): PostedTxn {
  const zone = account.institution.zone;
  return { fitId, trnType, day, dtPosted: ofxDateTime(day, seconds, zone), postedMs: instant(day, seconds, zone), amountCents, name, ...extra };
}

function byTime(a: PostedTxn, b: PostedTxn): number {
  return a.postedMs - b.postedMs || (a.fitId < b.fitId ? -1 : 1);
}

function checkingBook(seed: string, customerId: string, account: SandboxAccount, start: number, asOf: number): AccountBook {
  const fixed = new Rng(seed, customerId, account.id, 'profile');
  let balance = fixed.int(150_000, 500_000);
  const salary = fixed.int(180_000, 260_000);
  const rent = fixed.int(110_000, 180_000);
  const posted: PostedTxn[] = [];
  for (let day = start; day <= asOf; day++) {
    const rng = new Rng(seed, account.institution.id, customerId, account.id, day);
    const { dom, month, year } = dayParts(day);
    const today: PostedTxn[] = [];
    const fit = () => `${ymd(day)}${String(today.length).padStart(2, '0')}${rng.digits(6)}`;
    if (dom === 1 || dom === 15) today.push(post(account, day, 6 * 3600, fit(), 'DIRECTDEP', salary, 'ACME CORP PAYROLL', { memo: 'DIRECT DEP PPD ID 9111111101' }));
    if (dom === 3) {
      const checkNum = String(1000 + (year * 12 + month) % 9000);
      today.push(post(account, day, 10 * 3600, fit(), 'CHECK', -rent, `CHECK ${checkNum}`, { checkNum }));
    }
    const n = rng.int(0, 3 - today.length);
    for (let i = 0; i < n; i++) {
      const seconds = rng.int(8 * 3600, 21 * 3600 - 1); // until 21:00 EST = 02:00 UTC the next day
      const roll = rng.next();
      if (roll < 0.1) {
        const amount = rng.pick([2000, 4000, 6000, 10000]);
        today.push(post(account, day, seconds, fit(), 'ATM', -amount, 'ATM WITHDRAWAL', { memo: 'ATM 0042 MAIN ST' }));
      } else if (roll < 0.16) {
        today.push(post(account, day, seconds, fit(), 'DEP', rng.int(2_000, 60_000), 'MOBILE CHECK DEPOSIT'));
      } else {
        today.push(post(account, day, seconds, fit(), 'POS', -rng.int(250, 9_000), rng.pick(SHOPS), rng.next() < 0.3 ? { memo: 'DEBIT CARD PURCHASE' } : {}));
      }
    }
    today.sort(byTime);
    for (const t of today) balance += t.amountCents;
    posted.push(...today);
  }
  // Mobile check deposits of the current day are on hold: in the ledger, not yet available.
  const held = posted.filter((t) => t.day === asOf && t.trnType === 'DEP').reduce((s, t) => s + t.amountCents, 0);
  return { account, asOfDay: asOf, historyStartDay: start, posted, pending: [], ledgerCents: balance, availableCents: balance - held, closings: [] };
}

function savingsBook(seed: string, customerId: string, account: SandboxAccount, start: number, asOf: number): AccountBook {
  const fixed = new Rng(seed, customerId, account.id, 'profile');
  let balance = fixed.int(500_000, 2_500_000);
  const monthly = fixed.int(10_000, 50_000);
  const posted: PostedTxn[] = [];
  for (let day = start; day <= asOf; day++) {
    const rng = new Rng(seed, account.institution.id, customerId, account.id, day);
    const { dom } = dayParts(day);
    const today: PostedTxn[] = [];
    const fit = () => `S${ymd(day)}${today.length}${rng.digits(8)}`;
    // 3.5 % APR on the balance at the end of the previous day, credited on the 1st.
    if (dom === 1 && day > start) today.push(post(account, day, 2 * 3600, fit(), 'INT', Math.round((balance * 35) / 12_000), 'INTEREST PAID'));
    if (dom === 16) today.push(post(account, day, 9 * 3600, fit(), 'XFER', monthly, 'TRANSFER FROM CHECKING', { memo: 'ONLINE TRANSFER' }));
    if (rng.next() < 0.04) today.push(post(account, day, rng.int(9 * 3600, 17 * 3600), fit(), 'XFER', -rng.int(5_000, 80_000), 'TRANSFER TO CHECKING'));
    today.sort(byTime);
    for (const t of today) balance += t.amountCents;
    posted.push(...today);
  }
  return { account, asOfDay: asOf, historyStartDay: start, posted, pending: [], ledgerCents: balance, availableCents: balance, closings: [] };
}

interface Purchase {
  pendingFitId: string;
  postedFitId: string;
  day: number;
  seconds: number;
  postDay: number;
  postSeconds: number;
  authCents: number; // amount held while pending
  finalCents: number; // amount posted (restaurants add the tip)
  name: string;
}

function cardBook(seed: string, customerId: string, account: SandboxAccount, start: number, asOf: number): AccountBook {
  const zone: Zone = account.institution.zone;
  const fixed = new Rng(seed, customerId, account.id, 'profile');
  const closeDom = fixed.int(5, 25);
  let owed = fixed.int(0, 60_000);
  const limit = account.creditLimitCents ?? 0;

  // Purchases made up to asOf; the ones that have not posted yet are pending.
  const purchases: Purchase[] = [];
  for (let day = start; day <= asOf; day++) {
    const rng = new Rng(seed, account.institution.id, customerId, account.id, day);
    const n = rng.pick([0, 1, 1, 1, 2, 2, 3]);
    for (let i = 0; i < n; i++) {
      const restaurant = rng.next() < 0.3;
      const authCents = rng.int(299, restaurant ? 9_000 : 12_000);
      const tip = restaurant ? Math.round((authCents * rng.int(10, 22)) / 100) : 0;
      // Posting gets a NEW FITID: issuers post a fresh record rather than updating the hold.
      purchases.push({
        pendingFitId: `P${ymd(day)}${i}${rng.digits(9)}`,
        postedFitId: `7${rng.digits(17)}`,
        day,
        seconds: rng.int(7 * 3600, 23 * 3600 + 59 * 60),
        postDay: day + rng.int(1, 3),
        postSeconds: rng.int(1 * 3600, 5 * 3600),
        authCents,
        finalCents: authCents + tip,
        name: restaurant ? rng.pick(RESTAURANTS) : rng.pick(SHOPS),
      });
    }
  }

  const postingsByDay = new Map<number, PostedTxn[]>();
  const addPosting = (t: PostedTxn) => postingsByDay.set(t.day, [...(postingsByDay.get(t.day) ?? []), t]);
  for (const p of purchases) {
    if (p.postDay > asOf) continue;
    addPosting(
      post(account, p.postDay, p.postSeconds, p.postedFitId, 'DEBIT', -p.finalCents, p.name, {
        dtUser: ofxDateTime(p.day, p.seconds, zone),
        ...(p.finalCents !== p.authCents ? { memo: `INCLUDES TIP ${fromMinorUnits(BigInt(p.finalCents - p.authCents))}` } : {}),
      }),
    );
  }

  const posted: PostedTxn[] = [];
  const closings: CardClosing[] = [];
  let openDay = start;
  let openOwed = owed;
  let periodPurchases = 0;
  let periodPayments = 0;
  for (let day = start; day <= asOf; day++) {
    const today = (postingsByDay.get(day) ?? []).sort(byTime);
    for (const t of today) {
      owed -= t.amountCents;
      if (t.amountCents < 0) periodPurchases -= t.amountCents;
      else periodPayments += t.amountCents;
    }
    posted.push(...today);
    const { year, month, dom } = dayParts(day);
    if (dom === closeDom) {
      const min = owed <= 0 ? 0 : Math.min(owed, Math.max(2_500, Math.round(owed / 50)));
      const next = dayOf(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, closeDom);
      const closing: CardClosing = {
        fitId: `C${ymd(day)}${account.id.slice(-4)}`,
        openDay,
        closeDay: day,
        nextCloseDay: next,
        dueDay: day + 25,
        openOwedCents: openOwed,
        closeOwedCents: owed,
        paymentsCents: periodPayments,
        purchasesCents: periodPurchases,
        minPaymentCents: min,
      };
      closings.push(closing);
      // The customer pays the statement balance in full three days before it is due.
      if (owed > 0) {
        const rng = new Rng(seed, account.institution.id, customerId, account.id, day, 'payment');
        addPosting(post(account, day + 22, rng.int(1 * 3600, 5 * 3600), `9${rng.digits(17)}`, 'PAYMENT', owed, 'PAYMENT - THANK YOU'));
      }
      openDay = day + 1;
      openOwed = owed;
      periodPurchases = 0;
      periodPayments = 0;
    }
  }

  const pending: PendingTxn[] = purchases
    .filter((p) => p.postDay > asOf)
    .map((p) => ({
      fitId: p.pendingFitId,
      trnType: 'DEBIT',
      dtTran: ofxDateTime(p.day, p.seconds, zone),
      tranMs: instant(p.day, p.seconds, zone),
      dtExpire: ofxDateTime(p.day + 10, p.seconds, zone),
      amountCents: -p.authCents,
      name: p.name,
    }))
    .sort((a, b) => a.tranMs - b.tranMs || (a.fitId < b.fitId ? -1 : 1));

  // Available credit = limit - amount owed (pending holds are not subtracted: LedgerFlow's convention).
  return { account, asOfDay: asOf, historyStartDay: start, posted, pending, ledgerCents: -owed, availableCents: limit - owed, closings };
}
