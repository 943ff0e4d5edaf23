/**
 * Scenario credentials, in the style of Plaid's Sandbox. The login names the scenario and the
 * customer: USERID `user_<scenario>+<customerId>`, USERPASS `pass_good`. Any other password is a
 * wrong password (SIGNON 15500) whatever the scenario. The customer id picks the data (the same
 * customer id under two scenarios sees the same accounts and transactions).
 *
 *   scenario      what the bank does
 *   good          answers normally
 *   locked        SIGNON STATUS 15502 (account locked)
 *   mfa           SIGNON STATUS 3000 unless the SONRQ carries
 *                   <MFACHALLENGEANSWER><MFAPHRASEID>MFA1<MFAPHRASEA>1234</MFACHALLENGEANSWER>
 *                 (3001 when an answer is given but wrong). A SIGNUPMSGSRQV1/MFACHALLENGETRNRQ
 *                 is answered with the challenge (phrase id MFA1) so a client can discover it.
 *   down          HTTP 503 (with Retry-After: 60) on every call
 *   ratelimited   HTTP 429 with Retry-After (seconds) on every other call of that login at that
 *                 institution: the 1st, 3rd, 5th... call is refused, the 2nd, 4th... answered
 *   slow          answers after a delay (options.slowMs, default 15 s, at most 60 s)
 *   flaky<N>      answers HTTP 500 to N% of calls (0-100), decided per call from
 *                 (seed, login, institution, call number): reproducible for a given seed
 *   malformed     signs on fine, but the statement of one account per institution (the last
 *                 account in the account list) comes back garbled and truncated
 *
 * Unknown scenarios and logins not of this form fail SIGNON with 15500.
 */

export const GOOD_PASSWORD = 'pass_good';
export const MFA_PHRASE_ID = 'MFA1';
export const MFA_ANSWER = '1234';

export type ScenarioName = 'good' | 'locked' | 'mfa' | 'down' | 'ratelimited' | 'slow' | 'flaky' | 'malformed';

export interface ScenarioInfo {
  name: ScenarioName;
  userId: string;
  effect: string;
}

/** The scenario table (USERID examples for customer demo-0001; USERPASS is always pass_good). */
export const SCENARIOS: readonly ScenarioInfo[] = [
  { name: 'good', userId: 'user_good+demo-0001', effect: 'answers normally' },
  { name: 'locked', userId: 'user_locked+demo-0001', effect: 'SIGNON STATUS 15502' },
  { name: 'mfa', userId: 'user_mfa+demo-0001', effect: `SIGNON STATUS 3000 unless MFACHALLENGEANSWER ${MFA_PHRASE_ID}=${MFA_ANSWER} (3001 if wrong)` },
  { name: 'down', userId: 'user_down+demo-0001', effect: 'HTTP 503 on every call' },
  { name: 'ratelimited', userId: 'user_ratelimited+demo-0001', effect: 'HTTP 429 + Retry-After on the 1st, 3rd, 5th... call' },
  { name: 'slow', userId: 'user_slow+demo-0001', effect: 'answers after slowMs (default 15 s, max 60 s)' },
  { name: 'flaky', userId: 'user_flaky30+demo-0001', effect: 'HTTP 500 on N% of calls (flaky<N>), seeded' },
  { name: 'malformed', userId: 'user_malformed+demo-0001', effect: 'the last account statement is garbled and truncated' },
];

export interface Login {
  scenario: ScenarioName;
  /** flaky<N>: percentage of failed calls. */
  failPercent?: number;
  customerId: string;
}

const LOGIN = /^user_([a-z]+)(\d{0,3})\+([A-Za-z0-9._-]{1,64})$/;

/** Reads a USERID; null when it is not a sandbox login (the bank answers 15500). */
export function parseLogin(userId: string): Login | null {
  const m = LOGIN.exec(userId);
  if (!m) return null;
  const [, name, digits, customerId] = m;
  if (name === 'flaky') {
    const failPercent = digits === '' ? 50 : Number(digits);
    return failPercent <= 100 ? { scenario: 'flaky', failPercent, customerId } : null;
  }
  if (digits !== '') return null;
  const known: ScenarioName[] = ['good', 'locked', 'mfa', 'down', 'ratelimited', 'slow', 'malformed'];
  return (known as string[]).includes(name) ? { scenario: name as ScenarioName, customerId } : null;
}
