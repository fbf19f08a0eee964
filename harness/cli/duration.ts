/** Durations on the command line: "90" (seconds), "90s", "500ms", "10m", "2h". */
import { UserError } from '../errors.ts';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new UserError(`${option}: '${text}' is not a duration (examples: 60s, 500ms, 10m, 2h)`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
}
