/**
 * may_goto (BPF_JMP | BPF_JCOND): the jump is taken on the current path; the fall-through is
 * queued with may_goto_depth + 1 and its imprecise scalars widened against the previous loop
 * entry (widen_imprecise_scalars), so that the loop converges by pruning (RANGE_WITHIN against
 * an unfinished checkpoint with another depth, see explore.ts).
 */
import type { Insn } from '../../isa/insn.ts';
import { EINVAL, reject } from '../checks/reject.ts';
import { regKey, slotKey } from '../prune.ts';
import { scalarEquals } from '../domains/scalar.ts';
import { type Reg, UNKNOWN_SCALAR } from '../state/reg.ts';
import { type VState, cloneState } from '../state/vstate.ts';
import type { Walker } from '../walker.ts';

const sameScalar = (a: Reg, b: Reg): boolean => a.type === 'scalar' && b.type === 'scalar' && a.id === b.id && scalarEquals(a.s, b.s);

export function mayGoto(w: Walker, insn: Insn): number {
  if (insn.src !== 0 || insn.dst !== 0 || insn.imm !== 0) reject(`invalid may_goto imm ${insn.imm}`, EINVAL);
  const queued: VState = cloneState(w.st);
  queued.mayGotoDepth = (w.st.mayGotoDepth ?? 0) + 1;
  const prev = w.prevEntry(w.pc);
  if (prev) {
    prev.st.frames.forEach((pf, fi) => {
      const qf = queued.frames[fi];
      if (!qf) return;
      for (let r = 0; r < 10; r++) {
        const o = pf.regs[r]!;
        const c = qf.regs[r]!;
        if (o.type !== 'scalar' || c.type !== 'scalar' || prev.allPrecise || prev.precise.has(regKey(fi, r))) continue;
        if (!sameScalar(o, c)) qf.regs[r] = UNKNOWN_SCALAR;
      }
      pf.stack.forEach((os, spi) => {
        const cs = qf.stack[spi];
        if (!os?.spilled || !cs?.spilled || os.types !== 'rrrrrrrr' || cs.types !== 'rrrrrrrr') return;
        if (prev.allPrecise || prev.precise.has(slotKey(fi, spi))) return;
        if (os.spilled.type === 'scalar' && cs.spilled.type === 'scalar' && !sameScalar(os.spilled, cs.spilled)) {
          qf.stack[spi] = { types: cs.types, spilled: UNKNOWN_SCALAR };
        }
      });
    });
  }
  w.pushBranch(queued, w.pc + 1);
  return w.pc + insn.off + 1;
}
