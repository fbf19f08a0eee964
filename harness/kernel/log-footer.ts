/**
 * The few facts verifuzz reads from any verifier log without the full parser (that is
 * harness/kernel/log/, engineer C2): the one-line reason of a rejection, `processed N insns`,
 * and `verification time N usec` (log level bit 4, BPF_LOG_STATS).
 *
 * Invariant: pure functions of the text; absent facts are undefined, never guessed.
 */

const FOOTER = [/^processed \d+ insns/, /^verification time \d+ usec/, /^stack depth /];

/** The stats footer lines and noise that are never the reason. */
function isFooter(line: string): boolean {
  return FOOTER.some((re) => re.test(line));
}

/**
 * The verifier's one-line reason: the last non-empty line that is neither the stats footer nor a
 * state dump. For a level-1/2 log of a rejection this is the error line printed after the failing
 * instruction.
 */
export function reasonFromLog(log: string): string | undefined {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (l && !isFooter(l) && !STATE_DUMP.test(l)) return l;
  }
  return undefined;
}

/** The state dumps 6.18 prints after "infinite loop detected at insn N": where, not why. */
const STATE_DUMP = /^(cur|old) state:/;

export function insnsProcessedFromLog(log: string): number | undefined {
  const m = /^processed (\d+) insns/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

export function verificationTimeUsFromLog(log: string): number | undefined {
  const m = /^verification time (\d+) usec/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** Drop the BPF_LOG_STATS lines (`verification time`, `stack depth`) that level 4 adds. */
export function stripStatsLines(log: string): string {
  return log.split('\n').filter((l) => !/^(verification time \d+ usec|stack depth )/.test(l)).join('\n');
}
