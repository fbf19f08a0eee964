/**
 * Loading: a Program decoded once into flat typed arrays (`Code`) the interpreter indexes by
 * logical pc, validated once so the hot loop never validates.
 *
 * Invariants of a Code: every instruction passed `checkInsn` (or is an enabled extension);
 * every jump and bpf-to-bpf call target is a logical pc inside the program; every ld_imm64 is
 * resolved to its 64-bit constant (map handles and map value addresses included), so the
 * interpreter treats them all alike; index `n` holds the XOP_END sentinel.
 */
import { type Insn, layoutOf } from '../isa/insn.ts';
import { checkInsn } from '../isa/validate.ts';
import {
  BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE, BPF_X, bpfSrc, opcodeRow,
} from '../isa/opcodes.ts';
import type { ProgType } from '../isa/program.ts';
import type { LoadError } from './fault.ts';
import { XOP_CALLX, XOP_END, xopOf } from './xop.ts';
import { FUNC_RID, ptrHi, ptrLo } from './memory.ts';

export interface Code {
  readonly n: number;
  readonly xop: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int32Array;
  /** imm; for ld_imm64 the low half of the resolved constant. */
  readonly imm: Int32Array;
  /** For ld_imm64 the high half of the resolved constant. */
  readonly imm2: Int32Array;
  /** Jump / local call target (logical pc), or -1. */
  readonly target: Int32Array;
  /** Registers (bit i = ri) the instruction reads / writes. */
  readonly readMask: Uint16Array;
  readonly writeMask: Uint16Array;
  /** Slot index of each logical pc (length n + 1). */
  readonly slot: Int32Array;
  readonly insns: readonly Insn[];
  readonly progType: ProgType;
  readonly flags: number;
}

/** How ld_imm64 map references resolve: a handle (map pointer) and element-0 value address. */
export interface MapRef {
  readonly handleRid: number;
  /** Region id of the value an ld_imm64 src=2/6 points into (array maps), or 0. */
  readonly directValueRid: number;
}

export interface LoadOptions {
  /** Maps of the program by index (src = 5 / 6). */
  readonly maps: readonly MapRef[];
  /** fd -> map for the fd forms (src = 1 / 2), e.g. the kernel selftests' fixups. */
  readonly fdMaps?: ReadonlyMap<number, MapRef>;
  /** Accept bpf_conformance's callx (0x8d). */
  readonly callx?: boolean;
}

const err = (pc: number, message: string): LoadError => ({ kind: 'load_error', pc, message });
const bit = (r: number): number => 1 << r;

function masks(insn: Insn): [number, number] {
  const row = opcodeRow(insn.code);
  if (!row) return [insn.code === XOP_CALLX ? bit(insn.dst) : 0, 0];
  const d = bit(insn.dst);
  const s = bit(insn.src);
  const x = bpfSrc(insn.code) === BPF_X;
  switch (row.kind) {
    case 'alu': {
      const isMov = (insn.code & 0xf0) === 0xb0;
      return [(isMov ? 0 : d) | (x ? s : 0), d];
    }
    case 'end': return [d, d];
    case 'jcond': return [d | (x ? s : 0), 0];
    case 'exit': return [0, 0]; // r0 is checked by doExit: a subprogram may return void
    case 'ld_imm64': return [0, d];
    case 'ldx': return [s, d];
    case 'st': return [d, 0];
    case 'stx': return [d | s, 0];
    case 'atomic': return [d | s | (insn.imm === 0xf1 ? 1 : 0), insn.imm === 0xf1 ? 1 : (insn.imm & 1 ? s : 0)];
    case 'ld_abs': return [bit(6), 1];
    case 'ld_ind': return [bit(6) | s, 1];
    default: return [0, 0];
  }
}

function resolveMap(insn: Insn, opts: LoadOptions, pc: number): MapRef | LoadError {
  const byIdx = insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE;
  const m = byIdx ? opts.maps[insn.imm] : opts.fdMaps?.get(insn.imm);
  if (!m) return err(pc, byIdx ? `map index ${insn.imm} is not in the program's map list` : `fd ${insn.imm} is not bound to a map`);
  return m;
}

/** The 64-bit constant of an ld_imm64, as [lo, hi] halves. */
function ldImm64(insn: Insn, opts: LoadOptions, pc: number, target: number): [number, number] | LoadError {
  const hiImm = insn.hi?.imm ?? 0;
  switch (insn.src) {
    case 0: return [insn.imm, hiImm];
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX: {
      const m = resolveMap(insn, opts, pc);
      return 'kind' in m ? m : [ptrLo(0), ptrHi(m.handleRid)];
    }
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE: {
      const m = resolveMap(insn, opts, pc);
      if ('kind' in m) return m;
      if (!m.directValueRid) return err(pc, 'map value address (ld_imm64 src 2/6) needs an array map with one element');
      return [ptrLo(hiImm), ptrHi(m.directValueRid)];
    }
    case BPF_PSEUDO_FUNC: return [ptrLo(target), ptrHi(FUNC_RID)];
    default: return err(pc, `ld_imm64 src=${insn.src} (BTF id) is not supported by the VM`);
  }
}

function jumpTarget(insn: Insn, pc: number, slotOf: Int32Array, pcOf: Int32Array): number | LoadError | undefined {
  const row = opcodeRow(insn.code);
  let rel: number | undefined;
  if (row?.kind === 'jcond' || row?.kind === 'may_goto' || (row?.kind === 'ja' && row.is64)) rel = insn.off;
  else if (row?.kind === 'ja') rel = insn.imm; // gotol
  else if (row?.kind === 'call' && insn.src === BPF_PSEUDO_CALL) rel = insn.imm;
  else if (row?.kind === 'ld_imm64' && insn.src === BPF_PSEUDO_FUNC) rel = insn.imm;
  if (rel === undefined) return undefined;
  const from = slotOf[pc]! + 1; // relative to the next slot (for ld_imm64 src=4: its second slot, as the kernel counts)
  const to = from + rel;
  if (to < 0 || to >= pcOf.length) return err(pc, `jump out of range from insn ${slotOf[pc]} to ${to}`);
  const t = pcOf[to]!;
  if (t < 0) return err(pc, `jump into the middle of ldimm64 insn ${to - 1}`);
  return t;
}

export function loadCode(insns: readonly Insn[], progType: ProgType, flags: number, opts: LoadOptions): Code | LoadError {
  const n = insns.length;
  if (n === 0) return err(-1, 'empty program');
  const { slotOfPc, pcOfSlot } = layoutOf(insns);
  const code = {
    n, xop: new Uint8Array(n + 1), dst: new Uint8Array(n + 1), src: new Uint8Array(n + 1), off: new Int32Array(n + 1),
    imm: new Int32Array(n + 1), imm2: new Int32Array(n + 1), target: new Int32Array(n + 1).fill(-1),
    readMask: new Uint16Array(n + 1), writeMask: new Uint16Array(n + 1), slot: slotOfPc, insns, progType, flags,
  };
  for (let pc = 0; pc < n; pc++) {
    const insn = insns[pc]!;
    const bad = checkInsn(insn);
    if (bad && !(opts.callx && insn.code === XOP_CALLX && insn.src === 0 && insn.off === 0 && insn.imm === 0 && insn.dst < 10)) {
      return err(pc, bad.message);
    }
    const t = jumpTarget(insn, pc, slotOfPc, pcOfSlot);
    if (typeof t === 'object') return t;
    code.target[pc] = t ?? -1;
    code.xop[pc] = xopOf(insn.code, insn.off);
    code.dst[pc] = insn.dst;
    code.src[pc] = insn.src;
    code.off[pc] = insn.off;
    code.imm[pc] = insn.imm;
    [code.readMask[pc], code.writeMask[pc]] = masks(insn);
    if (opcodeRow(insn.code)?.kind === 'ld_imm64') {
      const v = ldImm64(insn, opts, pc, t ?? -1);
      if (!Array.isArray(v)) return v;
      [code.imm[pc], code.imm2[pc]] = v;
    }
  }
  code.xop[n] = XOP_END;
  return code;
}
