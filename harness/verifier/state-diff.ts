/**
 * Where two verifiers part ways: walk the instruction events of two logs (kernel parsed, model
 * emitted) in order and report the first instruction whose index or printed state after it
 * differs. States are compared as the kernel prints them (harness/verifier/log.ts renderReg), so
 * formatting-only differences do not count.
 */
import { renderReg } from './log.ts';
import type { LogEvent, VerifierState } from './state/log-state.ts';

export interface StateDifference {
  readonly step: number;
  readonly pc: number;
  readonly kernel: string;
  readonly model: string;
}

type InsnEvent = Extract<LogEvent, { kind: 'insn' }>;

function stateText(s: VerifierState | undefined): string {
  if (!s) return '';
  const f = s.frames[s.frames.length - 1];
  if (!f) return '';
  return [...f.regs].sort((a, b) => a[0] - b[0]).map(([r, reg]) => `R${r}=${renderReg(reg)}`).join(' ');
}

export function firstStateDifference(kernel: readonly LogEvent[], model: readonly LogEvent[]): StateDifference | undefined {
  const k = kernel.filter((e): e is InsnEvent => e.kind === 'insn');
  const m = model.filter((e): e is InsnEvent => e.kind === 'insn');
  const n = Math.max(k.length, m.length);
  for (let i = 0; i < n; i++) {
    const a = k[i];
    const b = m[i];
    const ka = a ? `${a.pc}: ${stateText(a.after)}` : '(end of log)';
    const mb = b ? `${b.pc}: ${stateText(b.after)}` : '(end of log)';
    if (ka !== mb) return { step: i, pc: (a ?? b)!.pc, kernel: ka, model: mb };
  }
  return undefined;
}

export function formatDifference(d: StateDifference | undefined): string {
  if (!d) return 'kernel and model: same instruction sequence and states\n';
  return `first difference at step ${d.step} (insn ${d.pc}):\n  kernel: ${d.kernel}\n  model:  ${d.model}\n`;
}
