/**
 * Does a VM run's result depend on pointer bits? The VM's addresses (memory.ts: 0xffff_RRRR_8000_0000
 * + offset) are not the kernel's, so a result computed from an address (data_end's low byte stored
 * into the packet, `if w2 > 0x2000000` on the low half of xdp's data pointer) differs between the
 * two by construction, and the execution differential must not report it.
 *
 * A dynamic taint analysis over a VM trace: a scalar computed from a pointer (other than a pointer
 * minus a pointer into the same region, which is a length) is tainted; taint flows through ALU
 * operations, stores (byte by byte, per region) and loads; a conditional jump on a tainted value,
 * or comparing a pointer with anything but a pointer into its own region or a 64-bit NULL test,
 * makes the control flow depend on addresses, and then every output does. Helper calls with a
 * tainted argument and atomics on tainted values are treated the same way (conservatively).
 *
 * Pointers are recognised from the trace itself (regKinds: the register points into a VM region),
 * so the analysis needs no verifier state. It over-approximates: a result it calls independent is
 * independent of the address layout for the instructions the trace executed.
 */
import type { Insn } from '../harness/isa/insn.ts';
import { opcodeRow } from '../harness/isa/opcodes.ts';
import type { TraceEntry } from '../harness/vm/index.ts';

export interface PointerDependence {
  /** The trace reached the final exit (otherwise nothing is known: r0 and packet are false). */
  readonly complete: boolean;
  /** r0 at the final exit depends on pointer bits. */
  readonly r0: boolean;
  /** Some byte of the packet was written from pointer bits (its comparison says nothing). */
  readonly packet: boolean;
  /** Why, for evidence: the first instruction that made the result address-dependent. */
  readonly why?: string;
}

const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MOV = 0xb0, BPF_JEQ = 0x10, BPF_JNE = 0x50;

/** Does the trace entry show register r pointing into a VM region (by its value alone)? */
const looksLikePtr = (e: TraceEntry | undefined, r: number): boolean => e !== undefined && e.regKinds[r] !== undefined;

/** Byte taint of memory written during the run: region id -> tainted offsets. */
class MemTaint {
  private readonly byRegion = new Map<number, Set<number>>();
  /** Some region of kind 'packet' holds a tainted byte. */
  packetTainted = false;
  set(rid: number, kind: string, off: number, size: number, tainted: boolean): void {
    let s = this.byRegion.get(rid);
    if (!s && !tainted) return;
    if (!s) { s = new Set(); this.byRegion.set(rid, s); }
    for (let i = 0; i < size; i++) {
      if (tainted) s.add(off + i); else s.delete(off + i);
    }
    if (tainted && kind === 'packet') this.packetTainted = true;
  }
  any(rid: number, off: number, size: number): boolean {
    const s = this.byRegion.get(rid);
    if (!s) return false;
    for (let i = 0; i < size; i++) if (s.has(off + i)) return true;
    return false;
  }
}

/**
 * Pointer dependence of a trace of `insns` (the entries of a run, in order); `complete` is false
 * when the trace does not reach the final exit. Whether the final r0 is itself a pointer is the
 * caller's to judge.
 */
export function pointerDependence(insns: readonly Insn[], trace: readonly TraceEntry[]): PointerDependence {
  const taint = new Array<boolean>(11).fill(false);
  // Which registers hold a pointer, by where their values came from: a scalar computed by ALU
  // operations or loaded by ld_imm64 can hold a value that looks like a VM address (regKinds
  // would call it one), and it is still a scalar.
  const ptr = new Array<boolean>(11).fill(false);
  ptr[1] = looksLikePtr(trace[0], 1);
  ptr[10] = true;
  // by frame depth: r6-r9 (taint, pointer) of a caller, and whether it called (bpf-to-bpf) or a
  // helper of it called a callback
  const saved: Array<{ taint: boolean[]; ptr: boolean[]; byCall: boolean } | undefined> = [];
  const save = (frame: number, byCall: boolean): void => { saved[frame] = { taint: taint.slice(6, 10), ptr: ptr.slice(6, 10), byCall }; };
  const mem = new MemTaint();
  const dependsAt = (i: number, what: string): PointerDependence =>
    ({ complete: true, r0: true, packet: true, why: `insn ${trace[i]!.pc}: ${what}` });
  const sameRegion = (e: TraceEntry, a: number, b: number): boolean =>
    ptr[a]! && ptr[b]! && e.regKinds[a] !== undefined && e.regKinds[a]!.rid === e.regKinds[b]?.rid;
  /** Registers r0..r5 as a helper or callback left them: pointers where the next entry shows one. */
  const fromHelper = (next: TraceEntry | undefined): void => {
    for (let r = 0; r <= 5; r++) { taint[r] = false; ptr[r] = looksLikePtr(next, r); }
  };
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    const next = trace[i + 1];
    const insn = insns[e.pc];
    const row = insn && opcodeRow(insn.code);
    if (!insn || !row) return dependsAt(i, 'not an instruction of the program');
    const d = insn.dst, s = insn.src, x = (insn.code & 0x08) !== 0;
    switch (row.kind) {
      case 'alu': case 'end': {
        const op = insn.code & 0xf0;
        const reads = [...(op === BPF_MOV && row.kind === 'alu' ? [] : [d]), ...(x && row.kind === 'alu' ? [s] : [])];
        const ptrIn = reads.some((r) => ptr[r]);
        // a 64-bit move, add or sub of a pointer that the VM still sees as a pointer is pointer arithmetic
        const resultPtr = ptrIn && row.kind === 'alu' && row.is64 && (op === BPF_MOV || op === BPF_ADD || op === BPF_SUB)
          && looksLikePtr(next, d);
        const ptrDiff = op === BPF_SUB && x && row.is64 && sameRegion(e, d, s);
        // A pointer result keeps the taint of its offset; a scalar result is tainted by a pointer operand.
        taint[d] = reads.some((r) => taint[r]) || (!resultPtr && !ptrDiff && ptrIn);
        ptr[d] = resultPtr;
        break;
      }
      case 'jcond': {
        if (taint[d] || (x && taint[s])) return dependsAt(i, 'a branch on a value computed from a pointer');
        const op = insn.code & 0xf0;
        const nullTest = row.is64 && !x && insn.imm === 0 && (op === BPF_JEQ || op === BPF_JNE);
        if (ptr[d] || (x && ptr[s])) {
          const ok = x ? sameRegion(e, d, s) : nullTest;
          if (!ok) return dependsAt(i, 'a branch comparing a pointer with a scalar or another region');
        }
        break;
      }
      case 'ldx': {
        const base = e.regKinds[s];
        if (!ptr[s] || !base) return dependsAt(i, 'a load through a non-pointer');
        if (taint[s]) return dependsAt(i, 'a load at an address computed from pointer bits');
        // a context field (data, data_end) or a filled spill gives a pointer
        ptr[d] = looksLikePtr(next, d);
        taint[d] = !ptr[d] && mem.any(base.rid, base.off + insn.off, row.size);
        break;
      }
      case 'st': case 'stx': {
        const base = e.regKinds[d];
        if (!ptr[d] || !base) return dependsAt(i, 'a store through a non-pointer');
        if (taint[d]) return dependsAt(i, 'a store at an address computed from pointer bits');
        const value = row.kind === 'stx' && (taint[s] || ptr[s]!);
        mem.set(base.rid, base.kind, base.off + insn.off, row.size, value);
        break;
      }
      case 'atomic': {
        if (taint[s] || ptr[s] || taint[0]) return dependsAt(i, 'an atomic operation with a pointer or pointer-derived operand');
        const base = e.regKinds[d];
        if (base && mem.any(base.rid, base.off + insn.off, row.size)) return dependsAt(i, 'an atomic operation on pointer-derived memory');
        if (insn.imm & 1) { taint[s] = false; ptr[s] = false; }
        if (insn.imm === 0xf1) { taint[0] = false; ptr[0] = false; }
        break;
      }
      case 'call': {
        if (insn.src === 1) { save(e.frame, true); break; } // bpf-to-bpf: arguments pass as they are
        if ([1, 2, 3, 4, 5].some((r) => taint[r])) return dependsAt(i, 'a helper call with a pointer-derived argument');
        if (next !== undefined && next.frame > e.frame) save(e.frame, false); // the helper calls a callback
        fromHelper(next); // r0 (a map value, ...), or a callback's arguments
        break;
      }
      case 'exit': {
        if (e.frame === 0) {
          const why = taint[0] ? `insn ${e.pc}: r0 computed from a pointer` : mem.packetTainted ? 'pointer bits stored into the packet' : undefined;
          return { complete: true, r0: taint[0]!, packet: mem.packetTainted, ...(why ? { why } : {}) };
        }
        if (next !== undefined && next.frame === e.frame) { fromHelper(next); break; } // the helper calls the callback again
        const caller = saved[e.frame - 1];
        saved[e.frame - 1] = undefined;
        if (caller) for (let r = 6; r <= 9; r++) { taint[r] = caller.taint[r - 6]!; ptr[r] = caller.ptr[r - 6]!; }
        if (caller?.byCall) { // a bpf-to-bpf return: r0 as the callee left it
          for (let r = 1; r <= 5; r++) { taint[r] = false; ptr[r] = false; }
        } else fromHelper(next); // back after the helper that called the callback: r0 is the helper's
        break;
      }
      case 'ld_imm64': taint[d] = false; ptr[d] = insn.src !== 0 && looksLikePtr(next, d); break; // a map or a function
      case 'ld_abs': case 'ld_ind': {
        if (row.kind === 'ld_ind' && taint[s]) return dependsAt(i, 'a packet load at an offset computed from pointer bits');
        if (mem.packetTainted) return dependsAt(i, 'a packet load after pointer bits were stored into the packet');
        for (let r = 0; r <= 5; r++) { taint[r] = false; ptr[r] = false; }
        break;
      }
      default: break; // ja, may_goto: no data
    }
  }
  return { complete: false, r0: false, packet: false };
}
