/**
 * The VM's memory: a table of regions, and the fake 64-bit address space that points into them.
 *
 * Address scheme: a pointer to byte `off` of region `rid` is the 64-bit value
 *
 *     0xffff_RRRR_8000_0000 + off        (RRRR = rid, 1..0xfffe; off a signed 32-bit offset)
 *
 * so the high half of a pointer is 0xffffRRRR and the low half is 0x80000000 + off. Pointer
 * arithmetic is ordinary 64-bit arithmetic on that value; an offset stays attributable to its
 * region while it is within +-2 GiB of the region's base, which makes negative offsets (below a
 * map value, below the stack) report the right region. A value whose high 16 bits are not 0xffff
 * is a scalar (0 is NULL), and dereferencing it is a `null_deref` / `scalar_deref` fault.
 *
 * Invariant: every byte a program can read or write belongs to exactly one region; a region has
 * a kind, a size, flags (readable, writable, alive) and, for stacks, a shadow byte per byte of
 * data (1 = initialized). Region ids below TRANSIENT_BASE live as long as the environment (map
 * values, map keys); ids from TRANSIENT_BASE up belong to one run (stack frames, context, packet,
 * ring buffer records), are shared by all environments, and are recycled by `resetTransient`
 * at the start of the next run.
 */

export type RegionKind =
  | 'stack' | 'ctx' | 'packet' | 'map_value' | 'map' | 'ringbuf_record' | 'mem' | 'func' | 'ctx_buf';

export const TRANSIENT_BASE = 0x8000;
export const MAX_RID = 0xfffe;
/** Pseudo region of code addresses (ld_imm64 src=4 callbacks): never dereferenceable. */
export const FUNC_RID = 0xffff;
export const PTR_HI_TAG = 0xffff0000;
export const OFF_BIAS = 0x80000000;

export const ptrHi = (rid: number): number => (PTR_HI_TAG | rid) | 0;
export const ptrLo = (off: number): number => (OFF_BIAS + off) | 0;
export const ptrBig = (rid: number, off: number): bigint =>
  (BigInt(ptrHi(rid) >>> 0) << 32n) | BigInt(ptrLo(off) >>> 0);

/** Region id of a 64-bit value given as halves, or 0 when it is not a pointer. */
export const ridOf = (hi: number): number => ((hi >>> 16) === 0xffff ? hi & 0xffff : 0);
/** Offset of a pointer inside its region (signed). */
export const offOf = (lo: number): number => (lo - OFF_BIAS) | 0;

export function decodePtr(v: bigint): { rid: number; off: number } | undefined {
  const hi = Number(v >> 32n) | 0;
  const rid = ridOf(hi);
  if (rid === 0) return undefined;
  return { rid, off: offOf(Number(v & 0xffffffffn) | 0) };
}

export interface Region {
  rid: number;
  kind: RegionKind;
  bytes: Uint8Array;
  /** Per-byte initialized flag (stack only); null = every byte is initialized. */
  shadow: Uint8Array | null;
  /**
   * With a shadow: the lowest offset written since the region was last cleared (bytes.length when
   * none). Every write to a shadowed region goes through markWritten, so below this offset
   * bytes and shadow are all zero, and clearing the region only touches [shadowLow, length).
   */
  shadowLow: number;
  readable: boolean;
  writable: boolean;
  alive: boolean;
  /** What it is, for fault messages: 'fp[0]', 'map 0 key 3', 'packet', ... */
  label: string;
  /** An owner object (a VmMap for map handles and values, a frame index, ...). */
  owner?: unknown;
  /** For map values: the element key, so helpers can find the element. */
  key?: string | undefined;
}

export interface RegionOpts {
  shadow?: boolean;
  readable?: boolean;
  writable?: boolean;
  owner?: unknown;
  key?: string;
}

/**
 * Zero a region's bytes and shadow, as fresh. A shadowed region is zero below shadowLow already
 * (see Region.shadowLow): only the rest is cleared, with plain loops (a typed-array fill is a
 * runtime call that costs more than a short loop).
 */
export function clearRegion(r: Region): void {
  const b = r.bytes;
  const sh = r.shadow;
  if (sh === null) { if (b.length <= 256) { for (let i = 0; i < b.length; i++) b[i] = 0; } else b.fill(0); return; }
  for (let i = r.shadowLow; i < b.length; i++) { b[i] = 0; sh[i] = 0; }
  r.shadowLow = b.length;
}

/** Mark [off, off + size) of a region written: its shadow says initialized, and shadowLow follows. */
export function markWritten(r: Region, off: number, size: number): void {
  const sh = r.shadow;
  if (sh === null) return;
  for (let i = 0; i < size; i++) sh[off + i] = 1;
  if (off < r.shadowLow) r.shadowLow = off;
}

/**
 * Transient regions are shared by every environment: runs never nest, so one table (and its
 * region objects and buffers, reused run after run) serves them all.
 */
const transient: Array<Region | undefined> = [];
const transientPool: Array<Region | undefined> = [];
/** Region objects of views (allocTransientView), reused run after run. */
const viewPool: Array<Region | undefined> = [];
let nextTransient = TRANSIENT_BASE;

function makeRegion(rid: number, kind: RegionKind, bytes: Uint8Array, label: string, opts: RegionOpts): Region {
  return {
    rid, kind, bytes, label,
    shadow: opts.shadow ? new Uint8Array(bytes.length) : null,
    shadowLow: bytes.length,
    readable: opts.readable ?? true,
    writable: opts.writable ?? true,
    alive: true,
    owner: opts.owner,
    key: opts.key,
  };
}

/** A pooled region object given to a new run: its label and options as makeRegion sets them, alive. */
function reopen(r: Region, label: string, opts: RegionOpts): void {
  r.label = label;
  r.readable = opts.readable ?? true;
  r.writable = opts.writable ?? true;
  r.alive = true;
  r.owner = opts.owner;
  r.key = opts.key;
}

export class Memory {
  /** Persistent regions by id; index 0 and unused ids are undefined. */
  readonly regions: Array<Region | undefined> = [undefined];
  private nextPersistent = 1;

  /** A persistent region (lives until the environment is dropped). */
  allocPersistent(kind: RegionKind, bytes: Uint8Array, label: string, opts: RegionOpts = {}): Region | undefined {
    if (this.nextPersistent >= TRANSIENT_BASE) return undefined;
    const r = makeRegion(this.nextPersistent++, kind, bytes, label, opts);
    this.regions[r.rid] = r;
    return r;
  }

  /**
   * A zero-filled region of `size` bytes that lives for the current run only. Region objects and
   * buffers of earlier runs are reused when kind and size match.
   */
  allocTransient(kind: RegionKind, size: number, label: string, opts: RegionOpts = {}): Region | undefined {
    if (nextTransient > MAX_RID) return undefined;
    const rid = nextTransient++;
    const i = rid - TRANSIENT_BASE;
    let r = transientPool[i];
    if (r && r.kind === kind && r.bytes.length === size && (r.shadow !== null) === (opts.shadow === true)) {
      clearRegion(r);
      reopen(r, label, opts);
    } else {
      r = makeRegion(rid, kind, new Uint8Array(size), label, opts);
      transientPool[i] = r;
    }
    transient[i] = r;
    return r;
  }

  /**
   * A transient region over existing bytes (a view into a buffer the run owns): the bytes are
   * never pooled (allocTransient does not reuse them); the region object is, like every
   * transient region object, since nothing keeps one beyond its run.
   */
  allocTransientView(kind: RegionKind, bytes: Uint8Array, label: string, opts: RegionOpts = {}): Region | undefined {
    if (nextTransient > MAX_RID) return undefined;
    const rid = nextTransient++;
    const i = rid - TRANSIENT_BASE;
    let r = viewPool[i];
    if (r && opts.shadow !== true) {
      r.kind = kind; r.bytes = bytes; r.shadow = null; r.shadowLow = bytes.length;
      reopen(r, label, opts);
    } else {
      r = makeRegion(rid, kind, bytes, label, opts);
      if (opts.shadow !== true) viewPool[i] = r;
    }
    transient[i] = r;
    transientPool[i] = undefined;
    return r;
  }

  /** Drop every transient region (start of a run): ids from nextTransient up resolve to nothing. */
  resetTransient(): void {
    nextTransient = TRANSIENT_BASE;
  }

  get(rid: number): Region | undefined {
    return rid >= TRANSIENT_BASE ? (rid < nextTransient ? transient[rid - TRANSIENT_BASE] : undefined) : this.regions[rid];
  }

  /** Mark a region freed: any later access is a use after free. */
  free(rid: number): void {
    const r = this.get(rid);
    if (r) r.alive = false;
  }
}
