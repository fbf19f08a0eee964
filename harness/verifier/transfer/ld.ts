/**
 * BPF_LD: the 64-bit immediate load (constants, map pointers, map value addresses, callback
 * function pointers) and the legacy packet loads LD_ABS / LD_IND (check_ld_imm, check_ld_abs).
 */
import type { Insn } from '../../isa/insn.ts';
import { imm64 } from '../../isa/insn.ts';
import { BPF_ABS, BPF_DW, BPF_IND, BPF_IMM, bpfMode, bpfSize } from '../../isa/opcodes.ts';
import { checkPtrOffReg } from '../checks/mem.ts';
import { checkRegRead, checkRegWriteMark } from '../checks/regs.ts';
import { EINVAL, reject, unsupported } from '../checks/reject.ts';
import { NOT_INIT, UNKNOWN_SCALAR, constReg, ptrReg } from '../state/reg.ts';
import type { Walker } from '../walker.ts';

export function ld(w: Walker, insn: Insn): number {
  const mode = bpfMode(insn.code);
  if (mode === BPF_ABS || mode === BPF_IND) return ldAbs(w, insn, mode);
  if (mode === BPF_IMM) return ldImm64(w, insn);
  reject('invalid BPF_LD mode', EINVAL);
}

function ldImm64(w: Walker, insn: Insn): number {
  if (bpfSize(insn.code) !== BPF_DW) reject('invalid BPF_LD_IMM insn', EINVAL);
  if (insn.off !== 0) reject('BPF_LD_IMM64 uses reserved fields', EINVAL);
  checkRegWriteMark(w, insn.dst);
  const regs = w.cur().regs;
  switch (insn.src) {
    case 0: regs[insn.dst] = constReg(imm64(insn)); break;
    case 1: case 5: regs[insn.dst] = ptrReg('map_ptr', { map: insn.imm }); break;
    case 2: case 6: regs[insn.dst] = ptrReg('map_value', { map: insn.imm, off: insn.hi!.imm >>> 0 }); break;
    case 4: regs[insn.dst] = ptrReg('func'); break;
    default: unsupported('ld_imm64 of BTF ids');
  }
  return w.pc + 2;
}

function ldAbs(w: Walker, insn: Insn, mode: number): number {
  if (!w.env.spec?.ldAbs) reject('BPF_LD_[ABS|IND] instructions not allowed for this program type', EINVAL);
  if (insn.dst !== 0 || insn.off !== 0 || bpfSize(insn.code) === BPF_DW || (mode === BPF_ABS && insn.src !== 0)) {
    reject('BPF_LD_[ABS|IND] uses reserved fields', EINVAL);
  }
  checkRegRead(w, 6);
  if (w.st.lockId) reject('BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region', EINVAL);
  if (w.st.refs.length) reject('BPF_LD_[ABS|IND] would lead to reference leak', EINVAL);
  const r6 = w.cur().regs[6]!;
  if (r6.type !== 'ctx') reject('at the time of BPF_LD_ABS|IND R6 != pointer to skb', EINVAL);
  if (mode === BPF_IND) checkRegRead(w, insn.src);
  checkPtrOffReg(r6, 6, false);
  const regs = w.cur().regs;
  for (let i = 0; i <= 5; i++) regs[i] = NOT_INIT;
  regs[0] = UNKNOWN_SCALAR;
  return w.pc + 1;
}
