/**
 * A reader of the kernel's own BTF (/sys/kernel/btf/vmlinux, ~5.5 MB, ~150k types): resolves
 * kfunc names and named types to their BTF ids, which change with every kernel build.
 *
 * Invariant: the file is read and indexed once per process (lazily, on first lookup); the index
 * is a typed array of record offsets plus one name -> id map per kind, built on demand for the
 * kinds actually queried, so a kfunc lookup costs one pass over FUNC records only.
 */
import { readFileSync } from 'node:fs';
import { BTF_KIND, BTF_MAGIC } from './encoder.ts';
import { VMLINUX_BTF_PATH } from '../capability.ts';

export interface BtfTypeRecord {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  readonly vlen: number;
  readonly sizeOrType: number;
}

/** Extra bytes after the 12-byte common header, by kind. */
function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND.INT: case BTF_KIND.VAR: case BTF_KIND.DECL_TAG: return 4;
    case BTF_KIND.ARRAY: return 12;
    case BTF_KIND.STRUCT: case BTF_KIND.UNION: case BTF_KIND.DATASEC: case BTF_KIND.ENUM64: return vlen * 12;
    case BTF_KIND.ENUM: case BTF_KIND.FUNC_PROTO: return vlen * 8;
    default: return 0;
  }
}

export class BtfIndex {
  readonly #buf: Buffer;
  readonly #typeStart: number;
  readonly #strStart: number;
  /** Byte offset (into #buf) of type id i at index i; index 0 unused. */
  readonly #offsets: Int32Array;
  readonly #byKind = new Map<number, Map<string, number>>();

  constructor(buf: Buffer) {
    if (buf.readUInt16LE(0) !== BTF_MAGIC) throw new Error('not a BTF blob (bad magic)');
    const hdrLen = buf.readUInt32LE(4);
    this.#buf = buf;
    this.#typeStart = hdrLen + buf.readUInt32LE(8);
    const typeLen = buf.readUInt32LE(12);
    this.#strStart = hdrLen + buf.readUInt32LE(16);
    this.#offsets = this.#scan(this.#typeStart, this.#typeStart + typeLen);
  }

  #scan(start: number, end: number): Int32Array {
    const offs: number[] = [0];
    for (let at = start; at < end;) {
      offs.push(at);
      const inf = this.#buf.readUInt32LE(at + 4);
      at += 12 + extraBytes((inf >>> 24) & 0x1f, inf & 0xffff);
    }
    return Int32Array.from(offs);
  }

  get typeCount(): number {
    return this.#offsets.length - 1;
  }

  #name(nameOff: number): string {
    const s = this.#strStart + nameOff;
    const e = this.#buf.indexOf(0, s);
    return this.#buf.toString('latin1', s, e);
  }

  type(id: number): BtfTypeRecord | undefined {
    const at = this.#offsets[id];
    if (!at) return undefined;
    const inf = this.#buf.readUInt32LE(at + 4);
    return {
      id, kind: (inf >>> 24) & 0x1f, vlen: inf & 0xffff,
      name: this.#name(this.#buf.readUInt32LE(at)), sizeOrType: this.#buf.readUInt32LE(at + 8),
    };
  }

  #kindMap(kind: number): Map<string, number> {
    let m = this.#byKind.get(kind);
    if (m) return m;
    m = new Map();
    for (let id = 1; id < this.#offsets.length; id++) {
      const at = this.#offsets[id]!;
      if (((this.#buf.readUInt32LE(at + 4) >>> 24) & 0x1f) !== kind) continue;
      const nameOff = this.#buf.readUInt32LE(at);
      if (nameOff) {
        const name = this.#name(nameOff);
        if (!m.has(name)) m.set(name, id);
      }
    }
    this.#byKind.set(kind, m);
    return m;
  }

  /** The id of the first type of `kind` named `name`, or undefined. */
  idOf(kind: number, name: string): number | undefined {
    return this.#kindMap(kind).get(name);
  }

  /** The BTF id of a kernel function (kfunc), or undefined when this kernel has none. */
  funcId(name: string): number | undefined {
    return this.idOf(BTF_KIND.FUNC, name);
  }
}

let vmlinux: BtfIndex | undefined;

/** The index of this kernel's BTF (read once). Throws when the file is absent. */
export function vmlinuxBtf(path = VMLINUX_BTF_PATH): BtfIndex {
  if (path !== VMLINUX_BTF_PATH) return new BtfIndex(readFileSync(path));
  vmlinux ??= new BtfIndex(readFileSync(path));
  return vmlinux;
}

/** The BTF id of a kfunc in this kernel; throws naming the kfunc when it does not exist. */
export function kfuncId(name: string): number {
  const id = vmlinuxBtf().funcId(name);
  if (id === undefined) throw new Error(`kfunc '${name}' is not in this kernel's BTF`);
  return id;
}
