/**
 * 64-bit division and remainder on 32-bit halves, without bigint (a bigint division allocates
 * several bigints; these are a few double operations). The divisor is never 0 here (the callers
 * give BPF's results for 0 themselves).
 *
 * Unsigned: a divisor below 2^32 divides the high half, then the rest 16 bits at a time (every
 * intermediate stays below 2^48, exact in a double); a divisor of 2^32 or more gives a quotient
 * below 2^32, estimated with doubles (off by at most 1), lowered by 1 and then corrected upwards
 * with exact 64-bit arithmetic on halves. Signed: the unsigned operation on magnitudes, with the
 * signs of C (the quotient truncates toward zero, the remainder takes the dividend's sign);
 * INT64_MIN / -1 wraps to INT64_MIN, remainder 0.
 *
 * Results go to OUT: quotient low, high, remainder low, high (int32 halves). Tested against
 * bigint arithmetic in div64.test.ts.
 */

export const OUT = new Int32Array(4);
const Q_LO = 0, Q_HI = 1, R_LO = 2, R_HI = 3;
const TWO32 = 4294967296;

/** High 32 bits of the unsigned 64-bit product of two u32 (16-bit limbs keep every product exact). */
function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return (a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536)) | 0;
}

/** Unsigned (ah:al) / (bh:bl) and remainder into OUT. */
export function udivmod64(ah: number, al: number, bh: number, bl: number): void {
  const AH = ah >>> 0, AL = al >>> 0, BH = bh >>> 0, BL = bl >>> 0;
  if (BH === 0) {
    const qh = Math.floor(AH / BL);
    let r = AH - qh * BL; // < BL < 2^32
    let t = r * 65536 + (AL >>> 16); // < 2^48
    const q1 = Math.floor(t / BL);
    r = t - q1 * BL;
    t = r * 65536 + (AL & 0xffff);
    const q0 = Math.floor(t / BL);
    r = t - q0 * BL;
    OUT[Q_LO] = q1 * 65536 + q0; OUT[Q_HI] = qh; OUT[R_LO] = r; OUT[R_HI] = 0;
    return;
  }
  let q = Math.floor((AH * TWO32 + AL) / (BH * TWO32 + BL)); // < 2^32, within 1 of the quotient
  if (q > 0) q -= 1; // now at most the quotient, so q * b <= a: no overflow below
  const plo = Math.imul(q, BL) >>> 0;
  const phi = (mulhiU32(q, BL) + Math.imul(q, BH)) >>> 0;
  let rl = AL - plo, rh = AH - phi;
  if (rl < 0) { rl += TWO32; rh -= 1; }
  while (rh > BH || (rh === BH && rl >= BL)) { // at most twice
    q += 1;
    rl -= BL; rh -= BH;
    if (rl < 0) { rl += TWO32; rh -= 1; }
  }
  OUT[Q_LO] = q; OUT[Q_HI] = 0; OUT[R_LO] = rl; OUT[R_HI] = rh;
}

/** Signed (ah:al) / (bh:bl) and remainder into OUT, with C's signs. */
export function sdivmod64(ah: number, al: number, bh: number, bl: number): void {
  const an = ah < 0, bn = bh < 0;
  const aal = an ? -al | 0 : al, aah = an ? (~ah + (al === 0 ? 1 : 0)) | 0 : ah;
  const bbl = bn ? -bl | 0 : bl, bbh = bn ? (~bh + (bl === 0 ? 1 : 0)) | 0 : bh;
  udivmod64(aah, aal, bbh, bbl);
  if (an !== bn) negate(Q_LO, Q_HI);
  if (an) negate(R_LO, R_HI);
}

function negate(lo: number, hi: number): void {
  const l = OUT[lo]!;
  OUT[lo] = -l | 0;
  OUT[hi] = (~OUT[hi]! + (l === 0 ? 1 : 0)) | 0;
}
