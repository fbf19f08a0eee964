/**
 * 64-bit ALU and compare operations on registers stored as 32-bit halves (`lo`, `hi` Int32Arrays
 * indexed by register). The operand is passed as halves (bl, bh) so that the K form (imm, imm>>31)
 * and the X form (lo[s], hi[s]) share one function. Every function is small enough for V8 to
 * inline it into the interpreter loop. The bigint reference (reference.ts) is the specification;
 * alu-fast.test.ts holds these to it per opcode.
 */
import * as div from './div64.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { OUT: DIV, udivmod64, sdivmod64 } = div;

const TWO32 = 4294967296;

export function add64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  const s = (lo[d]! >>> 0) + (bl >>> 0);
  lo[d] = s | 0;
  hi[d] = (hi[d]! + bh + (s >= TWO32 ? 1 : 0)) | 0;
}

export function sub64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  const s = (lo[d]! >>> 0) - (bl >>> 0);
  lo[d] = s | 0;
  hi[d] = (hi[d]! - bh - (s < 0 ? 1 : 0)) | 0;
}

/** High 32 bits of the unsigned 64-bit product of two u32 (16-bit limbs keep every product exact). */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) | 0;
}

export function mul64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  const al = lo[d]!, ah = hi[d]!;
  hi[d] = (Math.imul(ah, bl) + Math.imul(al, bh) + mulhiU32(al, bl)) | 0;
  lo[d] = Math.imul(al, bl);
}

export function div64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { lo[d] = 0; hi[d] = 0; return; }
  if (hi[d] === 0 && bh === 0) { lo[d] = Math.floor((lo[d]! >>> 0) / (bl >>> 0)) | 0; return; }
  udivmod64(hi[d]!, lo[d]!, bh, bl);
  lo[d] = DIV[0]!; hi[d] = DIV[1]!;
}

export function mod64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) return;
  if (hi[d] === 0 && bh === 0) { lo[d] = ((lo[d]! >>> 0) % (bl >>> 0)) | 0; return; }
  udivmod64(hi[d]!, lo[d]!, bh, bl);
  lo[d] = DIV[2]!; hi[d] = DIV[3]!;
}

export function sdiv64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { lo[d] = 0; hi[d] = 0; return; }
  sdivmod64(hi[d]!, lo[d]!, bh, bl);
  lo[d] = DIV[0]!; hi[d] = DIV[1]!;
}

export function smod64(lo: Int32Array, hi: Int32Array, d: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) return;
  sdivmod64(hi[d]!, lo[d]!, bh, bl);
  lo[d] = DIV[2]!; hi[d] = DIV[3]!;
}

export function lsh64(lo: Int32Array, hi: Int32Array, d: number, n: number): void {
  n &= 63;
  if (n === 0) return;
  if (n < 32) { hi[d] = (hi[d]! << n) | (lo[d]! >>> (32 - n)); lo[d] = lo[d]! << n; }
  else { hi[d] = lo[d]! << (n - 32); lo[d] = 0; }
}

export function rsh64(lo: Int32Array, hi: Int32Array, d: number, n: number): void {
  n &= 63;
  if (n === 0) return;
  if (n < 32) { lo[d] = (lo[d]! >>> n) | (hi[d]! << (32 - n)); hi[d] = hi[d]! >>> n; }
  else { lo[d] = hi[d]! >>> (n - 32); hi[d] = 0; }
}

export function arsh64(lo: Int32Array, hi: Int32Array, d: number, n: number): void {
  n &= 63;
  if (n === 0) return;
  if (n < 32) { lo[d] = (lo[d]! >>> n) | (hi[d]! << (32 - n)); hi[d] = hi[d]! >> n; }
  else { lo[d] = hi[d]! >> (n - 32); hi[d] = hi[d]! >> 31; }
}

export function neg64(lo: Int32Array, hi: Int32Array, d: number): void {
  const l = lo[d]!;
  lo[d] = -l | 0;
  hi[d] = (~hi[d]! + (l === 0 ? 1 : 0)) | 0;
}

export function div32(a: number, b: number): number {
  return b === 0 ? 0 : Math.floor((a >>> 0) / (b >>> 0)) | 0;
}

export function mod32(a: number, b: number): number {
  return b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0;
}

export function sdiv32(a: number, b: number): number {
  if (b === 0) return 0;
  if (b === -1) return -a | 0; // INT_MIN / -1 wraps to INT_MIN
  return Math.trunc(a / b) | 0;
}

export function smod32(a: number, b: number): number {
  if (b === 0) return a;
  if (b === -1) return 0;
  return (a % b) | 0;
}

const swap16 = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
const swap32 = (v: number): number =>
  ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);

/** le/be/bswap of `bits` bits; `swap` says whether the bytes are reversed (be, bswap). */
export function end(lo: Int32Array, hi: Int32Array, d: number, bits: number, swap: boolean): void {
  if (bits === 16) { lo[d] = swap ? swap16(lo[d]!) : lo[d]! & 0xffff; hi[d] = 0; return; }
  if (bits === 32) { lo[d] = swap ? swap32(lo[d]!) : lo[d]!; hi[d] = 0; return; }
  if (swap) { const l = lo[d]!; lo[d] = swap32(hi[d]!); hi[d] = swap32(l); }
}

// ---- comparisons on halves (ah, al) vs (bh, bl) ----
export const jgt = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? (ah >>> 0) > (bh >>> 0) : (al >>> 0) > (bl >>> 0);
export const jge = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? (ah >>> 0) > (bh >>> 0) : (al >>> 0) >= (bl >>> 0);
export const jsgt = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? (ah | 0) > (bh | 0) : (al >>> 0) > (bl >>> 0);
export const jsge = (ah: number, al: number, bh: number, bl: number): boolean =>
  ah !== bh ? (ah | 0) > (bh | 0) : (al >>> 0) >= (bl >>> 0);
