/**
 * Slab allocation of byte buffers that outlive a run (context outputs, large packets):
 * `new Uint8Array(n)` above 64 bytes costs microseconds here (a fresh off-heap backing store each
 * time), a view into a large pre-zeroed slab a fraction of that. Views are handed out once and
 * never reused, so each is zero-filled and owned by its taker; a slab is freed by the GC when no
 * view into it is alive. Buffers of up to 64 bytes are better plain `new Uint8Array(n)`: V8 keeps
 * those on the JS heap. Also: scratch word buffers for load temporaries.
 */
// 64 KiB: below glibc's mmap threshold, so a slab comes from recycled heap memory. A 1 MiB slab
// is a fresh mmap whose every page faults on first touch (measured: 4x the cost per code array).
const SLAB_BYTES = 1 << 16;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabAt = 0;

/** A zero-filled Uint8Array of n bytes (a direct view: cheaper than a subarray). */
export function slabBytes(n: number): Uint8Array {
  if (n > SLAB_BYTES >> 4) return new Uint8Array(n);
  if (slabAt + n > SLAB_BYTES) { slab = new ArrayBuffer(SLAB_BYTES); slabAt = 0; }
  const v = new Uint8Array(slab, slabAt, n);
  slabAt += (n + 7) & ~7;
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
