/**
 * A per-instruction summary of the states a verifier log reports, for `verifuzz verify --states`:
 * for each pc, how many times the verifier processed the instruction, how many states the log
 * printed for it (before it: `from X to pc:`, `pc: R...`; after it: `pc: (op) ... ; R...`), and the
 * last of those states.
 *
 * Invariant: rows are sorted by pc and every pc that appears in an insn, branch or state event has
 * exactly one row. Works on parsed kernel logs and on the model's events alike.
 */
import type { LogEvent, VerifierState } from '../../verifier/state/log-state.ts';
import { renderState } from '../../verifier/log.ts';

export interface PcStateSummary {
  readonly pc: number;
  /** `N: (op) ...` lines: how often the instruction was processed. */
  readonly visits: number;
  /** States printed for this pc. */
  readonly states: number;
  /** The last of them, and whether it holds before or after the instruction. */
  readonly last?: { readonly when: 'before' | 'after'; readonly state: VerifierState };
}

interface Row { pc: number; visits: number; states: number; last?: PcStateSummary['last'] }

function row(rows: Map<number, Row>, pc: number): Row {
  let r = rows.get(pc);
  if (!r) rows.set(pc, (r = { pc, visits: 0, states: 0 }));
  return r;
}

function seen(rows: Map<number, Row>, pc: number, when: 'before' | 'after', state: VerifierState): void {
  const r = row(rows, pc);
  r.states++;
  r.last = { when, state };
}

/** Summarise the states of a log's events by pc. */
export function summarizeStates(events: readonly LogEvent[]): PcStateSummary[] {
  const rows = new Map<number, Row>();
  for (const e of events) {
    if (e.kind === 'insn') {
      row(rows, e.pc).visits++;
      if (e.after) seen(rows, e.pc, 'after', e.after);
    } else if (e.kind === 'branch') seen(rows, e.to, 'before', e.state);
    else if (e.kind === 'state') seen(rows, e.pc, e.after ? 'after' : 'before', e.state);
  }
  return [...rows.values()].sort((a, b) => a.pc - b.pc);
}

/** A text table: `pc visits states last-state`, the state in the kernel's notation. */
export function formatStateSummary(rows: readonly PcStateSummary[]): string {
  const lines = rows.map((r) => {
    const last = r.last ? `${r.last.when}:${renderState(r.last.state)}` : '-';
    return `${String(r.pc).padStart(5)} ${String(r.visits).padStart(6)} ${String(r.states).padStart(6)}  ${last}`;
  });
  return ['   pc visits states  last state', ...lines].join('\n') + '\n';
}
