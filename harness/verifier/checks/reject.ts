/**
 * A typed violation: the verifier rejects the program with the kernel's exact error text.
 *
 * Checks throw a Reject; the explorer catches it, records it as the verdict and stops (the kernel
 * stops at the first error). `errno` is the kernel's return code (EACCES for safety violations,
 * EINVAL for malformed programs, E2BIG for limits). `unsupported` marks a feature the model does
 * not cover (the verdict then says nothing about the kernel's).
 */
export const EACCES = 13;
export const EINVAL = 22;
export const E2BIG = 7;
export const EFAULT = 14;

export class Reject extends Error {
  readonly text: string;
  readonly errno: number;
  readonly unsupported: boolean;
  constructor(text: string, errno = EACCES, unsupported = false) {
    // A Reject is the verdict travelling to the explorer, not a program error: capturing a stack
    // trace for each one cost a tenth of the model's time on programs it rejects.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(text);
    Error.stackTraceLimit = limit;
    this.text = text;
    this.errno = errno;
    this.unsupported = unsupported;
  }
}

export function reject(text: string, errno = EACCES): never {
  throw new Reject(text, errno);
}

export function unsupported(what: string): never {
  throw new Reject(`model: ${what} is not modelled`, EINVAL, true);
}
