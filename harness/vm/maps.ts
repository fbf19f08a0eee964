/**
 * VM maps: the storage behind every map type the VM supports, and the user-side API tests and
 * oracles use to read and write them (lookup, update, delete, keys, ring buffer drain, ...).
 *
 * Each map has a handle region (kind 'map', size 0: a map pointer can be passed to helpers but
 * never dereferenced). Every element value is a region of its own, so a value pointer's bounds
 * are exactly value_size and a deleted hash element is a freed region (use after free).
 * Invariant: an element's region lives as long as the element; values are the region bytes.
 *
 * Errors follow the kernel's helpers: -E2BIG when full or index out of range, -EEXIST / -ENOENT
 * for BPF_NOEXIST / BPF_EXIST, -EINVAL for deleting from an array.
 * DIVERGENCE: bloom filters are exact sets (the kernel may report false positives); one CPU for
 * per-CPU maps; hash updates of an existing key copy in place (the kernel may swap elements).
 */
import type { MapDef } from '../isa/program.ts';
import { type Memory, type Region } from './memory.ts';

export const E2BIG = 7, EEXIST = 17, ENOENT = 2, EINVAL = 22, EAGAIN = 11, EBUSY = 16, ENOSPC = 28;
export const BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

const keyStr = (k: Uint8Array): string => String.fromCharCode(...k);
const strKey = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export type MapLoadErr = { error: string };

/** Types the VM implements. */
export const VM_MAP_TYPES: ReadonlySet<string> = new Set([
  'array', 'percpu_array', 'hash', 'percpu_hash', 'lru_hash', 'lru_percpu_hash', 'prog_array', 'ringbuf',
  'user_ringbuf', 'bloom_filter', 'queue', 'stack', 'array_of_maps', 'hash_of_maps',
]);

export class VmMap {
  readonly handle: Region;
  /** Array maps: element regions by index (created on first use). */
  private readonly arr: Array<Region | undefined> = [];
  /** Hash maps: element regions by key. */
  private readonly hash = new Map<string, Region>();
  /** Queue / stack / bloom filter contents. */
  private readonly items: Uint8Array[] = [];
  private readonly bloom = new Set<string>();
  /** prog_array entries (loaded programs) and map-in-map entries. */
  readonly slots = new Map<number, unknown>();
  /** Ring buffer: submitted records not yet drained, and bytes in use. */
  readonly records: Uint8Array[] = [];
  ringUsed = 0;
  ringProduced = 0;
  ringConsumed = 0;
  /** user_ringbuf: samples the user pushed. */
  readonly userSamples: Uint8Array[] = [];

  constructor(readonly def: MapDef, readonly mem: Memory, readonly index: number) {
    // The handle stands for the kernel's struct bpf_map, whose fields a program may read (read-only);
    // the first word (`ops`) is a non-zero fake pointer.
    const h = mem.allocPersistent('map', MAP_STRUCT_IMAGE, `map ${index} (${def.type})`, { owner: this, writable: false });
    if (!h) throw new Error('VM region table is full');
    this.handle = h;
  }

  get isArray(): boolean { return this.def.type === 'array' || this.def.type === 'percpu_array'; }
  get isHash(): boolean { return /hash$/.test(this.def.type) && this.def.type !== 'hash_of_maps'; }

  private newValue(label: string, key?: string): Region {
    const rdonly = ((this.def.flags ?? 0) & 0x80) !== 0; // BPF_F_RDONLY_PROG
    const wronly = ((this.def.flags ?? 0) & 0x100) !== 0; // BPF_F_WRONLY_PROG
    const r = this.mem.allocPersistent('map_value', new Uint8Array(this.def.valueSize), label,
      { owner: this, writable: !rdonly, readable: !wronly, ...(key !== undefined ? { key } : {}) });
    if (!r) throw new Error('VM region table is full');
    return r;
  }

  /** Array element region (created zeroed on first use); undefined when the index is out of range. */
  arrayElem(i: number): Region | undefined {
    if (i < 0 || i >= this.def.maxEntries) return undefined;
    return (this.arr[i] ??= this.newValue(`map ${this.index} value [${i}]`));
  }

  /** The region a program's lookup returns, or undefined (NULL). */
  lookupRegion(key: Uint8Array): Region | undefined {
    if (this.isArray) return this.arrayElem(u32(key));
    if (this.isHash) return this.hash.get(keyStr(key));
    return undefined;
  }

  /** bpf_map_update_elem semantics; 0 or -errno. */
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    if (this.isArray) {
      if (flags === BPF_NOEXIST) return -EEXIST;
      const r = this.arrayElem(u32(key));
      if (!r) return -E2BIG;
      r.bytes.set(value.subarray(0, this.def.valueSize));
      return 0;
    }
    if (!this.isHash) return -EINVAL;
    const k = keyStr(key.subarray(0, this.def.keySize));
    const old = this.hash.get(k);
    if (old && flags === BPF_NOEXIST) return -EEXIST;
    if (!old && flags === BPF_EXIST) return -ENOENT;
    if (old) { old.bytes.set(value.subarray(0, this.def.valueSize)); return 0; }
    if (this.hash.size >= this.def.maxEntries) return -E2BIG;
    const r = this.newValue(`map ${this.index} value [key ${hex(key)}]`, k);
    r.bytes.set(value.subarray(0, this.def.valueSize));
    this.hash.set(k, r);
    return 0;
  }

  delete(key: Uint8Array): number {
    if (this.isArray) return -EINVAL;
    const k = keyStr(key.subarray(0, this.def.keySize));
    const r = this.hash.get(k);
    if (!r) return -ENOENT;
    this.hash.delete(k);
    this.mem.free(r.rid);
    return 0;
  }

  // ---- queue, stack, bloom filter ----
  push(value: Uint8Array, flags: number): number {
    // bloom_map_push_elem takes only BPF_ANY; queue_stack_map_push_elem refuses NOEXIST and unknown flags.
    if (this.def.type === 'bloom_filter') {
      if (flags !== BPF_ANY) return -EINVAL;
      this.bloom.add(keyStr(value));
      return 0;
    }
    if (flags === BPF_NOEXIST || flags > BPF_EXIST) return -EINVAL;
    if (this.items.length >= this.def.maxEntries) {
      if (flags !== BPF_EXIST) return -E2BIG;
      this.items.shift();
    }
    this.items.push(Uint8Array.from(value));
    return 0;
  }

  /** pop/peek: the value or undefined (empty). */
  take(remove: boolean): Uint8Array | undefined {
    if (this.items.length === 0) return undefined;
    const lifo = this.def.type === 'stack';
    const v = lifo ? this.items[this.items.length - 1]! : this.items[0]!;
    if (remove) { if (lifo) this.items.pop(); else this.items.shift(); }
    return v;
  }

  bloomHas(value: Uint8Array): boolean { return this.bloom.has(keyStr(value)); }

  // ---- user-side API ----
  /** A copy of the value stored under `key`, or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    const r = this.lookupRegion(key);
    return r ? Uint8Array.from(r.bytes) : undefined;
  }

  keys(): Uint8Array[] {
    if (this.isArray) return Array.from({ length: this.def.maxEntries }, (_, i) => le32(i));
    return [...this.hash.keys()].map(strKey);
  }

  /** Ring buffer: take every submitted record, oldest first. */
  drain(): Uint8Array[] {
    const out = this.records.splice(0);
    for (const r of out) this.ringConsumed += ringRecordSize(r.length);
    this.ringUsed = 0;
    return out;
  }
}

const MAP_STRUCT_IMAGE = Uint8Array.from({ length: 256 }, (_, i) => (i < 8 ? 0xff : 0));

/** Bytes a ring buffer record occupies: an 8-byte header plus the data rounded up to 8. */
export const ringRecordSize = (n: number): number => 8 + ((n + 7) & ~7);

export const u32 = (b: Uint8Array): number => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
export const le32 = (v: number): Uint8Array => Uint8Array.of(v, v >>> 8, v >>> 16, v >>> 24);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
