/**
 * The numeric load path: raw slot words (the bytecode read as little-endian int32 pairs) straight
 * into code words, with no Insn objects, validated by the acceptance tables (fast-accept.ts): one
 * pass over the instructions, table reads and integer tests, few data-dependent branches.
 *
 * It only ever accepts: whatever it is unsure of (an invalid field, a bad jump, an unknown map,
 * bpf_conformance's callx, a kfunc call with off != 0, a value an Insn cannot encode) makes it
 * return null, and the caller runs the Insn-based path of load.ts, which is the reference and
 * produces the exact refusal message. Invariant: when it returns code words, they are the very
 * words the Insn-based path produces for the same program (load-fast.test.ts).
 *
 * Raw words: slot s is raw[2s] = code | regs << 8 | off << 16 and raw[2s + 1] = imm.
 */
import type { Insn } from '../isa/insn.ts';
import type { LoadOptions } from './load.ts';
import * as layout from './code-layout.ts';
import type { CodeWords } from './code-layout.ts';
import * as rules from './load-rules.ts';
import * as accept from './fast-accept.ts';
import * as xop from './xop.ts';
import * as memory from './memory.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { F_IMM, F_IMM2, F_MASK, F_OP, F_TGT, STRIDE, newCodeWords, wordsFor } = layout;
const { masksFromInfo, I_TGT_SHIFT, TGT_NONE, TGT_OFF, TGT_IMM_SRC1, TGT_IMM_SRC4 } = rules;
const { XOP_END } = xop;
const { rejectBits, ACCEPT, A_INFO, IMM_CLASS, OFF_CLASS, XOP_BY_CLASS } = accept;
const { FUNC_RID, ptrHi, ptrLo } = memory;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Scratch buffers, reused by every load (loads never nest).
let rawBytes = new Uint8Array(8 * 1024 + 8); // + one slot: the word after the last slot is read
let raw = new Int32Array(rawBytes.buffer);
let pcOfSlot = new Int32Array(1025);
/** Jumps of the program: the pc of each and its target slot. */
let jumpPcs = new Int32Array(1025);
let jumpSlots = new Int32Array(1025);

function ensureSlots(slots: number): void {
  if (rawBytes.length < slots * 8 + 8) { rawBytes = new Uint8Array(slots * 16 + 8); raw = new Int32Array(rawBytes.buffer); }
  if (pcOfSlot.length <= slots) {
    pcOfSlot = new Int32Array(slots * 2 + 1); jumpPcs = new Int32Array(slots * 2 + 1); jumpSlots = new Int32Array(slots * 2 + 1);
  }
}

export interface FastCode { readonly c: CodeWords; readonly n: number }

/** Load bytecode (length a multiple of 8 checked by the caller); null: ask the Insn-based path. */
export function fastLoadBytes(bytes: Uint8Array, opts: LoadOptions): FastCode | null {
  if (!LITTLE_ENDIAN) return null;
  const slots = bytes.length >> 3;
  ensureSlots(slots);
  rawBytes.set(bytes);
  return fastLoad(slots, opts);
}

/** Load Insn objects; null when one cannot be encoded as is, or when the fast path is unsure. */
export function fastLoadInsns(insns: readonly Insn[], opts: LoadOptions): FastCode | null {
  let slots = 0;
  for (let i = 0; i < insns.length; i++) slots += insns[i]!.code === 0x18 ? 2 : 1;
  ensureSlots(slots);
  let s = 0;
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (!putSlot(s++, insn.code, insn.dst, insn.src, insn.off, insn.imm)) return null;
    if (insn.code === 0x18) {
      const hi = insn.hi;
      if (hi === undefined || !putSlot(s++, hi.code, hi.dst, hi.src, hi.off, hi.imm)) return null;
    }
  }
  return fastLoad(slots, opts);
}

/** Encode one slot into the raw words; false when a field does not fit its bits as is. */
function putSlot(s: number, code: number, dst: number, src: number, off: number, imm: number): boolean {
  if ((code & 0xff) !== code || (dst & 15) !== dst || (src & 15) !== src || ((off << 16) >> 16) !== off || (imm | 0) !== imm) return false;
  raw[2 * s] = code | (dst << 8) | (src << 12) | (off << 16);
  raw[2 * s + 1] = imm;
  return true;
}

/**
 * One pass over the slots: each instruction is checked and written at its pc as its slot is
 * reached, and the pc of each slot recorded; a jump's target slot is kept aside (forward targets
 * have no pc yet) and turned into a pc after the pass. The words are sized by the slot count,
 * an upper bound of the instruction count (load.ts sizes its words the same way).
 */
function fastLoad(slots: number, opts: LoadOptions): FastCode | null {
  if (slots === 0) return null;
  // Module bindings read once: in the loop, locals (a module binding is re-read and re-checked at every use).
  const r = raw, pcOf = pcOfSlot, jumpPc = jumpPcs, jumpTo = jumpSlots, offClassOf = OFF_CLASS, acceptRows = ACCEPT, immClasses = IMM_CLASS, xops = XOP_BY_CLASS;
  const c = newCodeWords(wordsFor(slots));
  let jumps = 0, pc = 0;
  for (let slot = 0; slot < slots; pc++) {
    pcOf[slot] = pc;
    const w = r[2 * slot]!, imm = r[2 * slot + 1]!;
    const code = w & 0xff, dst = (w >>> 8) & 15, src = (w >>> 12) & 15, off = w >> 16;
    const offClass = offClassOf[off & 0xffff]!;
    if (rejectBits(code, dst, src, offClass, imm, r[2 * slot + 2]!, acceptRows, immClasses) !== 0) return null;
    const info = acceptRows[(code << 2) + A_INFO]!;
    const to = targetSlot(info, slot, slots, src, off, imm);
    if (to === -2) return null;
    if (to >= 0) { jumpPc[jumps] = pc; jumpTo[jumps++] = to; }
    const b = pc * STRIDE;
    c[b + F_OP] = xops[code * 6 + offClass]! | (w & 0xff00) | (off << 16); // w & 0xff00: dst, src
    c[b + F_MASK] = masksFromInfo(info, code, dst, src, imm);
    if (code !== 0x18) { c[b + F_IMM] = imm; c[b + F_TGT] = -1; slot += 1; continue; }
    if (slot + 1 >= slots) return null; // cut at the end
    pcOf[slot + 1] = -1;
    if (!ldImm64(c, b, src, imm, r[2 * slot + 3]!, opts)) return null;
    slot += 2;
  }
  for (let i = 0; i < jumps; i++) {
    const t = pcOf[jumpTo[i]!]!;
    if (t < 0) return null; // into the middle of an ld_imm64
    const b = jumpPc[i]! * STRIDE;
    if ((c[b + F_OP]! & 0xff) === 0x18) c[b + F_IMM] = ptrLo(t); // ld_imm64 src=4: a code address
    else c[b + F_TGT] = t;
  }
  const end = pc * STRIDE;
  c[end + F_OP] = XOP_END;
  c[end + F_TGT] = -1;
  return { c, n: pc };
}

/** The target slot of a jump / call / ld_imm64 src=4 at `slot`; -1 when none, -2 when out of range. */
function targetSlot(info: number, slot: number, slots: number, src: number, off: number, imm: number): number {
  const kind = (info >>> I_TGT_SHIFT) & 7;
  if (kind === TGT_NONE || (kind === TGT_IMM_SRC1 && src !== 1) || (kind === TGT_IMM_SRC4 && src !== 4)) return -1;
  const to = slot + 1 + (kind === TGT_OFF ? off : imm); // relative to the next slot (ld_imm64: its second slot)
  return to < 0 || to >= slots ? -2 : to;
}

/** The 64-bit constant of an ld_imm64 as halves at words b (src=4: its low half is set with the target); false when the fast path is unsure. */
function ldImm64(c: CodeWords, b: number, src: number, imm: number, hiImm: number, opts: LoadOptions): boolean {
  let lo = imm, hi = hiImm;
  if (src === 1 || src === 2 || src === 5 || src === 6) {
    const m = src >= 5 ? opts.maps[imm] : opts.fdMaps?.get(imm);
    if (m === undefined) return false;
    if (src === 1 || src === 5) { lo = ptrLo(0); hi = ptrHi(m.handleRid); } else {
      if (!m.directValueRid) return false;
      lo = ptrLo(hiImm); hi = ptrHi(m.directValueRid);
    }
  } else if (src === 4) { lo = 0; hi = ptrHi(FUNC_RID); }
  c[b + F_IMM] = lo;
  c[b + F_IMM2] = hi;
  return true;
}
