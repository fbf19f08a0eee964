/**
 * The few facts verifuzz reads from any verifier log: the one-line reason of a rejection (through
 * the log parser, harness/kernel/log/), `processed N insns`, and which lines are the BPF_LOG_STATS
 * footer. (Loads read the footer numbers from the log's bytes instead: log-text.ts readFooter.)
 *
 * Invariant: pure functions of the text; absent facts are undefined, never guessed.
 */

import { parseVerifierLog } from './log/parse.ts';

const FOOTER = [/^processed \d+ insns/, /^verification time \d+ usec/, /^stack depth /];

/** The stats footer lines and noise that are never the reason. */
function isFooter(line: string): boolean {
  return FOOTER.some((re) => re.test(line));
}

/**
 * The verifier's one-line reason: the error the log parser finds (harness/kernel/log/), which
 * knows the log's shapes: the state dumps after "infinite loop detected", and the level-1 quirk
 * that glues the error to the end of an instruction line. Without an error event, the last
 * non-empty line that is not the stats footer.
 */
export function reasonFromLog(log: string): string | undefined {
  const events = parseVerifierLog(log).events;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === 'error') return e.text;
  }
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (l && !isFooter(l)) return l;
  }
  return undefined;
}

export function insnsProcessedFromLog(log: string): number | undefined {
  const m = /^processed (\d+) insns/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** Drop the BPF_LOG_STATS lines (`verification time`, `stack depth`) that level 4 adds. */
export function stripStatsLines(log: string): string {
  return log.split('\n').filter((l) => !/^(verification time \d+ usec|stack depth )/.test(l)).join('\n');
}
