/**
 * Errors that are the user's to fix, as opposed to bugs. The CLI prints these as one line (no
 * stack trace) and exits 2 (bad input or usage) or 3 (a target is unavailable on this machine).
 */

/** Bad input: the message says what was wrong and where (file:line:col, field path, record). */
export class UserError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A target (the kernel) cannot be used here; the message is the reason. */
export class UnavailableError extends Error {
  readonly exitCode: number = 3;
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}

export function isUserFacing(e: unknown): e is UserError | UnavailableError {
  return e instanceof UserError || e instanceof UnavailableError;
}
