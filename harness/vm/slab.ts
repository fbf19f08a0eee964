/**
 * Slab allocation of typed arrays: `new Int32Array(n)` costs microseconds here (a fresh backing
 * store each time), a view into a large pre-zeroed slab costs a fraction of that. Views are
 * handed out once and never reused, so each is zero-filled and owned by its taker; a slab is
 * freed by the GC when no view into it is alive.
 */
// 64 KiB: below glibc's mmap threshold, so a slab comes from recycled heap memory. A 1 MiB slab
// is a fresh mmap whose every page faults on first touch (measured: 4x the cost per code array).
const SLAB_BYTES = 1 << 16;

let bytes = new Uint8Array(SLAB_BYTES);
let bytesAt = 0;
let words = new Int32Array(SLAB_BYTES >> 2);
let wordsAt = 0;

/** A zero-filled Uint8Array of n bytes. */
export function slabBytes(n: number): Uint8Array {
  if (n > SLAB_BYTES >> 4) return new Uint8Array(n);
  if (bytesAt + n > bytes.length) { bytes = new Uint8Array(SLAB_BYTES); bytesAt = 0; }
  const v = bytes.subarray(bytesAt, bytesAt + n);
  bytesAt += (n + 7) & ~7;
  return v;
}

/** A zero-filled Int32Array of n words. */
export function slabWords(n: number): Int32Array {
  if (n > words.length >> 4) return new Int32Array(n);
  if (wordsAt + n > words.length) { words = new Int32Array(SLAB_BYTES >> 2); wordsAt = 0; }
  const v = words.subarray(wordsAt, wordsAt + n);
  wordsAt += n;
  return v;
}

// Slabs whose memory is not zeroed first (Buffer.allocUnsafeSlow): for takers that write every word.
let rawWords = new Int32Array(0);
let rawWordsAt = 0;

/** An Int32Array of n words with unspecified contents: the taker must write every word. */
export function slabWordsUnzeroed(n: number): Int32Array {
  if (n > (SLAB_BYTES >> 2) >> 4) return new Int32Array(n);
  if (rawWordsAt + n > rawWords.length) {
    const b = Buffer.allocUnsafeSlow(SLAB_BYTES);
    rawWords = new Int32Array(b.buffer, b.byteOffset, SLAB_BYTES >> 2);
    rawWordsAt = 0;
  }
  const v = rawWords.subarray(rawWordsAt, rawWordsAt + n);
  rawWordsAt += n;
  return v;
}

/** Scratch Int32Array of at least n words for temporary use (reused by the next call). */
let scratchA = new Int32Array(1024);
let scratchB = new Int32Array(1024);
export function scratchWords(n: number, which: 0 | 1): Int32Array {
  if (which === 0) { if (scratchA.length < n) scratchA = new Int32Array(n * 2); return scratchA; }
  if (scratchB.length < n) scratchB = new Int32Array(n * 2);
  return scratchB;
}
