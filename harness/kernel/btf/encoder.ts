/**
 * A BTF encoder: builds the raw `btf_header + types + strings` blob that BPF_BTF_LOAD takes.
 * Covers the kinds verifuzz needs for map value types and program BTF: INT, PTR, ARRAY,
 * STRUCT/UNION (member offsets in bits), TYPEDEF, FUNC, FUNC_PROTO, DECL_TAG, VAR, DATASEC.
 *
 * Invariant: type ids are assigned in call order starting at 1 (0 is void), so a builder that
 * emits types in a fixed order produces fixed ids; the string table starts with "" at offset 0
 * and deduplicates names.
 */

export const BTF_MAGIC = 0xeb9f;
export const BTF_KIND = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9,
  CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16,
  DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

/** FUNC linkage (vlen of a FUNC record). */
export const BTF_FUNC = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

/** INT encoding bits. */
export const BTF_INT_SIGNED = 1;

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset in bits from the start of the struct. */
  readonly bitOffset: number;
}

export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

const info = (kind: number, vlen: number, kflag = 0): number =>
  ((kflag & 1) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff);

export class BtfBuilder {
  readonly #words: number[] = [];
  readonly #strings: string[] = [''];
  readonly #stringOff = new Map<string, number>([['', 0]]);
  #strLen = 1;
  #nextId = 1;

  /** Offset of `s` in the string table (added once). */
  str(s: string): number {
    const known = this.#stringOff.get(s);
    if (known !== undefined) return known;
    const off = this.#strLen;
    this.#stringOff.set(s, off);
    this.#strings.push(s);
    this.#strLen += Buffer.byteLength(s) + 1;
    return off;
  }

  #type(name: string, inf: number, sizeOrType: number, extra: number[]): number {
    this.#words.push(this.str(name), inf >>> 0, sizeOrType >>> 0, ...extra.map((w) => w >>> 0));
    return this.#nextId++;
  }

  /** Any record, for kinds without a helper: name, info word, size/type word, extra words. */
  raw(name: string, infoWord: number, sizeOrType: number, extra: readonly number[]): number {
    return this.#type(name, infoWord, sizeOrType, [...extra]);
  }

  get typeCount(): number {
    return this.#nextId - 1;
  }

  int(name: string, size: number, encoding = 0): number {
    return this.#type(name, info(BTF_KIND.INT, 0), size, [(encoding << 24) | (size * 8)]);
  }

  ptr(target: number): number {
    return this.#type('', info(BTF_KIND.PTR, 0), target, []);
  }

  array(elem: number, indexType: number, nelems: number): number {
    return this.#type('', info(BTF_KIND.ARRAY, 0), 0, [elem, indexType, nelems]);
  }

  struct(name: string, size: number, members: readonly BtfMember[]): number {
    return this.#composite(BTF_KIND.STRUCT, name, size, members);
  }

  union(name: string, size: number, members: readonly BtfMember[]): number {
    return this.#composite(BTF_KIND.UNION, name, size, members);
  }

  #composite(kind: number, name: string, size: number, members: readonly BtfMember[]): number {
    const extra = members.flatMap((m) => [this.str(m.name), m.type, m.bitOffset]);
    return this.#type(name, info(kind, members.length), size, extra);
  }

  typedef(name: string, target: number): number {
    return this.#type(name, info(BTF_KIND.TYPEDEF, 0), target, []);
  }

  funcProto(ret: number, params: readonly BtfParam[]): number {
    const extra = params.flatMap((p) => [this.str(p.name), p.type]);
    return this.#type('', info(BTF_KIND.FUNC_PROTO, params.length), ret, extra);
  }

  func(name: string, proto: number, linkage: number = BTF_FUNC.STATIC): number {
    return this.#type(name, info(BTF_KIND.FUNC, linkage), proto, []);
  }

  /** A decl tag on a type (componentIdx -1) or on one member / param of it. */
  declTag(value: string, target: number, componentIdx = -1): number {
    return this.#type(value, info(BTF_KIND.DECL_TAG, 0), target, [componentIdx]);
  }

  variable(name: string, type: number, linkage = 1): number {
    return this.#type(name, info(BTF_KIND.VAR, 0), type, [linkage]);
  }

  datasec(name: string, size: number, vars: readonly { type: number; offset: number; size: number }[]): number {
    const extra = vars.flatMap((v) => [v.type, v.offset, v.size]);
    return this.#type(name, info(BTF_KIND.DATASEC, vars.length), size, extra);
  }

  /** The raw BTF blob. */
  bytes(): Uint8Array {
    const typeLen = this.#words.length * 4;
    const out = Buffer.alloc(24 + typeLen + this.#strLen);
    out.writeUInt16LE(BTF_MAGIC, 0);
    out.writeUInt8(1, 2); // version
    out.writeUInt8(0, 3); // flags
    out.writeUInt32LE(24, 4); // hdr_len
    out.writeUInt32LE(0, 8); // type_off
    out.writeUInt32LE(typeLen, 12);
    out.writeUInt32LE(typeLen, 16); // str_off
    out.writeUInt32LE(this.#strLen, 20);
    this.#words.forEach((w, i) => out.writeUInt32LE(w, 24 + i * 4));
    let at = 24 + typeLen;
    for (const s of this.#strings) at += out.write(s, at, 'utf8') + 1;
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
}
