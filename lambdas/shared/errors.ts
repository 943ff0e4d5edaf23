/**
 * The error taxonomy. `name` is what a Lambda reports as its errorType, so it is the Error name a
 * Step Functions Retry/Catch matches on: keep these names in step with statemachines/*.asl.json.
 *
 * - transient  (TransientError): retry with backoff; the bank or the network may recover.
 * - needs user (NeedsUserError): never retry; the connection waits for the user.
 * - bad data   (StatementParseError, UnsupportedStatementError): quarantine the statement, keep the rest.
 */

export type TransientCode = 'INSTITUTION_DOWN' | 'RATE_LIMITED' | 'TIMEOUT' | 'NETWORK' | 'INSTITUTION_ERROR' | 'CIRCUIT_OPEN' | 'CONCURRENT_UPDATE';
export type NeedsUserCode = 'INVALID_CREDENTIALS' | 'LOCKED' | 'MFA_REQUIRED';

export abstract class LedgerFlowError extends Error {
  abstract readonly code: string;
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** The institution or the network failed in a way that may pass. */
export class TransientError extends LedgerFlowError {
  readonly name = 'TransientError';
  constructor(
    readonly code: TransientCode,
    message: string,
    /** Seconds the institution asked us to wait (HTTP Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The institution refused the login in a way only the user can fix. */
export class NeedsUserError extends LedgerFlowError {
  readonly name = 'NeedsUserError';
  constructor(
    readonly code: NeedsUserCode,
    message: string,
    /** The OFX STATUS code that said so, when it came from OFX. */
    readonly ofxCode?: number,
  ) {
    super(message);
  }
}

/** A non-zero OFX SIGNON/statement STATUS that is neither a login problem nor clearly transient. */
export class InstitutionError extends LedgerFlowError {
  readonly name = 'InstitutionError';
  readonly code = 'INSTITUTION_ERROR';
  constructor(
    message: string,
    readonly ofxCode: number,
    readonly severity?: string,
  ) {
    super(message);
  }
}

export interface SourceLocation {
  /** Byte or character offset into the file. */
  offset?: number;
  line?: number;
  /** Element path, e.g. "OFX/BANKMSGSRSV1/STMTTRNRS/STMTRS/BANKTRANLIST/STMTTRN[3]/TRNAMT". */
  path?: string;
}

/** The file is not a well-formed statement of its format. */
export class StatementParseError extends LedgerFlowError {
  readonly name = 'StatementParseError';
  constructor(
    readonly code: string,
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(location ? `${message} (${describeLocation(location)})` : message);
  }
  toJSON() {
    return { code: this.code, message: this.message, ...(this.location ? { location: this.location } : {}) };
  }
}

/** A well-formed statement of a kind LedgerFlow does not model (investment statements). */
export class UnsupportedStatementError extends LedgerFlowError {
  readonly name = 'UnsupportedStatementError';
  readonly code = 'UNSUPPORTED_STATEMENT_TYPE';
  constructor(
    readonly statementType: string,
    message = `unsupported statement type ${statementType}`,
  ) {
    super(message);
  }
}

function describeLocation(l: SourceLocation): string {
  return [l.path && `at ${l.path}`, l.line !== undefined && `line ${l.line}`, l.offset !== undefined && `offset ${l.offset}`]
    .filter(Boolean)
    .join(', ');
}
