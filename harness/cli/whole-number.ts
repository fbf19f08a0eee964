/**
 * Whole-number options on the command line. yargs' `type: 'number'` turns `--budget abc` into
 * NaN, which then reads as "no limit" in a comparison and cannot be quoted back to the user; these
 * options are declared as strings and parsed here: decimal digits with an optional sign, within a
 * range, or a one-line UserError that quotes what was typed.
 */
import { UserError } from '../errors.ts';

export interface WholeRange {
  readonly min: number;
  readonly max?: number;
  /** Added to the message, e.g. "(0: never)". */
  readonly note?: string;
}

/** The value of option `--name` given as `raw` (a string from the user, or the number default). */
export function parseWhole(name: string, raw: string | number, range: WholeRange): number {
  const text = String(raw).trim();
  const v = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < range.min || (range.max !== undefined && v > range.max)) {
    const span = range.max !== undefined ? `from ${range.min} to ${range.max}` : range.min === 0 ? '(0 or more)' : `of at least ${range.min}`;
    throw new UserError(`--${name}: '${String(raw)}' must be a whole number ${span}${range.note ? ` ${range.note}` : ''}`);
  }
  return v;
}

/** The same for an option without a default: undefined when absent. */
export function parseWholeIfGiven(name: string, raw: string | number | undefined, range: WholeRange): number | undefined {
  return raw === undefined ? undefined : parseWhole(name, raw, range);
}
