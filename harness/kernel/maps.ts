/**
 * Kernel maps from MapDefs: BPF_MAP_CREATE (with BTF key/value ids when the value has special
 * fields, map_extra for bloom filters, an inner map template for array_of_maps), and element
 * access (lookup / update / delete) for seeding maps before a run and reading them back after.
 *
 * Invariant: a KernelMap owns its fd; lookups return the kernel's full value layout (per-CPU
 * maps: one 8-byte-aligned slot per possible CPU). Creation failures throw MapCreateError with
 * errno; element-access failures return the errno instead of throwing (ENOENT is data).
 */
import { readFileSync } from 'node:fs';
import { type MapDef, mapTypeId } from '../isa/program.ts';
import { MAP_CREATE as C, MAP_CREATE_SIZE, MAP_ELEM as E, MAP_ELEM_SIZE, name16, u32, u64 } from './attr.ts';
import { OwnedFd } from './fd.ts';
import { BPF_CMD, addressOf, sysBpf } from './syscall.ts';
import { errnoName } from './capability.ts';

export interface MapBtfRef {
  readonly btfFd: number;
  readonly keyTypeId: number;
  readonly valueTypeId: number;
}

export class MapCreateError extends Error {
  readonly errno: number;
  constructor(def: MapDef, errno: number) {
    super(`BPF_MAP_CREATE (${def.type}, key ${def.keySize}, value ${def.valueSize}, max ${def.maxEntries}) failed with ${errnoName(errno)}`);
    this.name = 'MapCreateError';
    this.errno = errno;
  }
}

let possibleCpus: number | undefined;

/** Number of possible CPUs (/sys/devices/system/cpu/possible), the per-CPU value multiplier. */
export function numPossibleCpus(): number {
  if (possibleCpus !== undefined) return possibleCpus;
  let n = 0;
  for (const part of readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a! + 1;
  }
  possibleCpus = n;
  return n;
}

const PERCPU = new Set(['percpu_array', 'percpu_hash', 'lru_percpu_hash', 'percpu_cgroup_storage']);

/** Bytes of a value as lookup/update see it from user space. */
export function userValueSize(def: MapDef): number {
  if (PERCPU.has(def.type)) return Math.ceil(def.valueSize / 8) * 8 * numPossibleCpus();
  if (def.type === 'array_of_maps' || def.type === 'hash_of_maps' || def.type === 'prog_array') return 4;
  return def.valueSize;
}

export class KernelMap {
  readonly def: MapDef;
  readonly #fd: OwnedFd;
  readonly #attr = Buffer.alloc(MAP_ELEM_SIZE);

  constructor(def: MapDef, fd: OwnedFd) {
    this.def = def;
    this.#fd = fd;
  }

  get fd(): number {
    return this.#fd.fd;
  }

  #elem(cmd: number, key: Buffer | undefined, value: Buffer | undefined, flags: number): number {
    this.#attr.fill(0);
    u32(this.#attr, E.map_fd, this.#fd.fd);
    if (key) u64(this.#attr, E.key, addressOf(key));
    if (value) u64(this.#attr, E.value, addressOf(value));
    u64(this.#attr, E.flags, BigInt(flags));
    return sysBpf(cmd, this.#attr, MAP_ELEM_SIZE).errno;
  }

  /** The value for `key` (undefined when absent); bloom filters and queues take no key. */
  lookup(key: Uint8Array | undefined): Uint8Array | undefined {
    const value = Buffer.alloc(userValueSize(this.def));
    const errno = this.#elem(BPF_CMD.MAP_LOOKUP_ELEM, asBuf(key), value, 0);
    return errno === 0 ? new Uint8Array(value) : undefined;
  }

  /** Returns 0 or the errno. */
  update(key: Uint8Array | undefined, value: Uint8Array, flags = 0): number {
    return this.#elem(BPF_CMD.MAP_UPDATE_ELEM, asBuf(key), asBuf(value), flags);
  }

  delete(key: Uint8Array): number {
    return this.#elem(BPF_CMD.MAP_DELETE_ELEM, asBuf(key), undefined, 0);
  }

  close(): void {
    this.#fd.close();
  }
}

function asBuf(b: Uint8Array | undefined): Buffer | undefined {
  return b ? Buffer.from(b.buffer, b.byteOffset, b.length) : undefined;
}

/** Key/value sizes as the kernel wants them (ringbufs take 0/0, prog arrays 4/4). */
function kernelSizes(def: MapDef): { key: number; value: number } {
  if (def.type === 'ringbuf' || def.type === 'user_ringbuf') return { key: 0, value: 0 };
  if (def.type === 'prog_array' || def.type === 'array_of_maps') return { key: 4, value: 4 };
  if (def.type === 'hash_of_maps') return { key: def.keySize, value: 4 };
  return { key: def.keySize, value: def.valueSize };
}

const DEFAULT_INNER: MapDef = { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 };

function createRaw(def: MapDef, btf: MapBtfRef | undefined, innerFd: number, name: string): number {
  const attr = Buffer.alloc(MAP_CREATE_SIZE);
  const sizes = kernelSizes(def);
  u32(attr, C.map_type, mapTypeId(def.type));
  u32(attr, C.key_size, sizes.key);
  u32(attr, C.value_size, sizes.value);
  u32(attr, C.max_entries, def.maxEntries);
  u32(attr, C.map_flags, def.flags ?? 0);
  u32(attr, C.inner_map_fd, innerFd);
  name16(attr, C.map_name, name);
  if (btf) {
    u32(attr, C.btf_fd, btf.btfFd);
    u32(attr, C.btf_key_type_id, btf.keyTypeId);
    u32(attr, C.btf_value_type_id, btf.valueTypeId);
  }
  u64(attr, C.map_extra, BigInt(def.mapExtra ?? 0));
  const r = sysBpf(BPF_CMD.MAP_CREATE, attr, MAP_CREATE_SIZE);
  if (r.ret < 0) throw new MapCreateError(def, r.errno);
  return r.ret;
}

export function createMap(def: MapDef, opts: { btf?: MapBtfRef; name?: string } = {}): KernelMap {
  const name = opts.name ?? 'verifuzz';
  if (def.type !== 'array_of_maps' && def.type !== 'hash_of_maps') {
    return new KernelMap(def, new OwnedFd(createRaw(def, opts.btf, 0, name)));
  }
  const inner = createMap(def.inner ?? DEFAULT_INNER, { name: `${name}_in` });
  try {
    return new KernelMap(def, new OwnedFd(createRaw(def, opts.btf, inner.fd, name)));
  } finally {
    inner.close();
  }
}
