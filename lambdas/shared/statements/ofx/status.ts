/**
 * OFX STATUS aggregates -> typed errors. A non-zero code means the institution refused something;
 * it must surface as an error the workflow can route (needs user / institution), never as an
 * empty statement.
 */
import { InstitutionError, NeedsUserError, StatementParseError, type SourceLocation } from '../../errors';
import { quote } from '../common';
import { leaf, child, type OfxNode } from './tree';

/** OFX status codes that only the user can resolve. */
const NEEDS_USER: Record<number, 'INVALID_CREDENTIALS' | 'LOCKED' | 'MFA_REQUIRED'> = {
  15000: 'INVALID_CREDENTIALS', // must change password
  15500: 'INVALID_CREDENTIALS', // signon invalid
  15502: 'LOCKED', // invalid user ID / account locked
  3000: 'MFA_REQUIRED', // MFA challenge authentication required
  3001: 'MFA_REQUIRED', // MFA challenge information is invalid
};

/** Throws for a non-zero STATUS: NeedsUserError for login problems, InstitutionError for other errors. */
export function checkStatus(status: OfxNode | undefined, where: string, at: (n: OfxNode) => SourceLocation): void {
  if (!status) return;
  const codeText = (leaf(status, 'CODE') ?? '').trim();
  if (codeText === '') return;
  if (!/^\d{1,9}$/.test(codeText)) {
    throw new StatementParseError('INVALID_FIELD', `${where} STATUS CODE ${quote(codeText)} is not a number`, at(child(status, 'CODE')!));
  }
  const code = Number(codeText);
  if (code === 0) return;
  const severity = (leaf(status, 'SEVERITY') ?? '').trim().toUpperCase() || undefined;
  const bankMessage = (leaf(status, 'MESSAGE') ?? '').trim();
  const message =
    `OFX ${where} STATUS ${code}${severity ? ` (${severity})` : ''}` + (bankMessage ? `: ${bankMessage.slice(0, 300)}` : '');
  const needsUser = Object.hasOwn(NEEDS_USER, code) ? NEEDS_USER[code] : undefined;
  if (needsUser) throw new NeedsUserError(needsUser, message, code);
  if (severity === 'ERROR') throw new InstitutionError(message, code, severity);
  // Non-zero INFO/WARN statuses (e.g. "data truncated") leave the response usable.
}
