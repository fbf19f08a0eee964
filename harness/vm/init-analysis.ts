/**
 * Static "definitely initialized registers" analysis: which register reads are proven safe before
 * the program runs (Code.staticInit, computed on first use). The interpreter tracks registers at
 * run time regardless: with the tracking folded into one mask per instruction, checking every
 * read costs the same as checking none (measured: 168-200 M insn/s either way on bench (a)), so
 * loads do not pay for the analysis.
 *
 * A forward must-analysis over the code words (load.ts): the state is a bitmask of registers
 * written on every path to a pc (meet = intersection). Entry: the registers the context gives
 * (r1, r10; r2 too for raw memory). Transfer: ALU/loads add their destination; a helper call
 * keeps r6..r10 and adds r0 unless the helper returns void; a bpf-to-bpf call keeps r6..r10
 * only (the callee may return void) and enters the callee with the caller's r1..r5 and r10; a
 * callback (ld_imm64 src=4 target) starts with r1, r2 (what bpf_loop passes) and r10.
 * Invariant: must(pc) is a subset of the registers initialized whenever pc executes, so a read
 * inside must(pc) can never fault (soundness tested in init-analysis.test.ts against the run-time
 * tracking, at every executed instruction).
 */
import * as layout from './code-layout.ts';
import type { CodeWords } from './code-layout.ts';
import * as slab from './slab.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { F_IMM, F_MASK, F_OP, F_TGT, STRIDE } = layout;
const OFF_BIAS = 0x80000000; // memory.ts: an ld_imm64 src=4 holds ptrLo(target) = OFF_BIAS + target
const { scratchWords } = slab;

const R0 = 1, R1_TO_R5 = 0x3e, R10 = 1 << 10, ALL = 0x7ff;
/** Helpers that return void: r0 is not initialized after them. */
export const VOID_HELPERS: ReadonlySet<number> = new Set([12, 93, 94, 132, 133]);

export interface InitAnalysis {
  /** Registers initialized on every path to each pc (ALL for unreachable pcs); a scratch
   * buffer, valid until the next load. */
  readonly must: Int32Array;
  /** Every read and every exit's r0 is proven: the program needs no run-time tracking. */
  readonly allProven: boolean;
}

// seen[pc]: 0 = not reached, 1 = reached and processed, 2 = reached, state changed, to process.
// Pcs to process are taken in ascending order by sweeps from the lowest one (`low`): jumps here
// are mostly forward, so a join is processed once with its final state instead of once per
// incoming path (a LIFO work list re-walked the tail after every join). The result is the same
// fixpoint whatever the order (the transfer functions are monotone).
let low = 0;
/** The pc being processed (a pc above it is reached later in the same sweep). */
let cur = 0;

/** Merge state `s` into pc's state; mark pc to process when it changed (or is reached first). */
function flowTo(must: Int32Array, seen: Int32Array, n: number, pc: number, s: number): void {
  if (pc < 0 || pc > n) return;
  const next = seen[pc] ? must[pc]! & s : s;
  if (seen[pc] && next === must[pc]) return;
  seen[pc] = 2;
  must[pc] = next;
  if (pc <= cur && pc < low) low = pc;
}

export function analyzeInit(c: CodeWords, n: number, entry: number, known: (id: number) => boolean): InitAnalysis {
  // Scratch buffers: the caller (load.ts) is done with its own temporaries when it calls this.
  const must = scratchWords(n + 1, 0).fill(ALL, 0, n + 1);
  const seen = scratchWords(n + 1, 1).fill(0, 0, n + 1);
  low = n + 1;
  cur = n + 1;
  flowTo(must, seen, n, 0, entry);
  for (let i = 0; i < n; i++) {
    const w = c[i * STRIDE + F_OP]!;
    if ((w & 0xff) === 0x18 && ((w >>> 12) & 15) === 4) flowTo(must, seen, n, (c[i * STRIDE + F_IMM]! - OFF_BIAS) | 0, R10 | 0x6);
  }
  while (low <= n) {
    let pc = low;
    low = n + 1;
    for (; pc <= n; pc++) if (seen[pc] === 2) { seen[pc] = 1; cur = pc; step(c, must, seen, n, pc, known); }
  }
  let allProven = true;
  for (let pc = 0; pc < n && allProven; pc++) {
    if (!seen[pc]) continue;
    const b = pc * STRIDE;
    const reads = c[b + F_MASK]! & 0xffff;
    if ((reads & ~must[pc]!) !== 0) allProven = false;
    if ((c[b + F_OP]! & 0xff) === 0x95 && (must[pc]! & R0) === 0) allProven = false;
  }
  return { must, allProven };
}

/** Process one pc: flow its out-state to its successors. */
function step(c: CodeWords, must: Int32Array, seen: Int32Array, n: number, pc: number, known: (id: number) => boolean): void {
  const s = must[pc]!;
  const b = pc * STRIDE;
  const w = c[b + F_OP]!;
  const op = w & 0xff;
  const src = (w >>> 12) & 15;
  const tgt = c[b + F_TGT]!;
  const out = s | (c[b + F_MASK]! >>> 16);
  if (op === 0x95 || op === 0x00) return; // exit, end sentinel
  if (op === 0x85 && src === 1) { flowTo(must, seen, n, tgt, (s & R1_TO_R5) | R10); flowTo(must, seen, n, pc + 1, s & ~(R0 | R1_TO_R5)); return; }
  if (op === 0x85 || op === 0x8d) {
    const id = c[b + F_IMM]!;
    const r0 = op === 0x85 && src === 0 && known(id) && !VOID_HELPERS.has(id) ? R0 : 0;
    flowTo(must, seen, n, pc + 1, (s & ~(R0 | R1_TO_R5)) | r0);
    return;
  }
  if ((op & 0xe0) === 0x20 || (op & 0xe0) === 0x40) {
    if ((op & 0x07) === 0) { flowTo(must, seen, n, pc + 1, (s & ~(R0 | R1_TO_R5)) | R0); return; } // ld_abs / ld_ind
  }
  const cls = op & 0x07;
  if ((cls === 0x05 || cls === 0x06) && tgt >= 0) {
    flowTo(must, seen, n, tgt, out);
    if ((op & 0xf0) !== 0x00) flowTo(must, seen, n, pc + 1, out); // conditional (ja / gotol have op 0x00)
    return;
  }
  flowTo(must, seen, n, pc + 1, out);
}
