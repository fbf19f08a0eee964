/**
 * Parse one printed register value of the kernel verifier log (the text after `R1=` or `fp-8=`)
 * into a RegState, mirroring print_reg_state() of kernel/bpf/log.c (6.18):
 *
 *   [P]<snum>                               known constant scalar (P = precise)
 *   fp[<frameno>]<snum>                     stack pointer with a known offset (`fp-8`, `fp[0]-16`)
 *   arena                                   arena pointer
 *   [P]<type>[<frameno>](<attr>,<attr>...)  everything else: `scalar(smin=smin32=0,umax=100)`,
 *                                           `map_value_or_null(id=1,ks=4,vs=8)`, `ptr_task_struct()`
 *
 * Invariant: a value either parses completely into a RegState or the function returns undefined
 * (the caller then reports the line as unknown); nothing is silently dropped.
 */
import {
  constBounds, REG_TYPE_PREFIXES, type RegState, type ScalarBounds, type TnumValue,
} from '../../verifier/state/log-state.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SNUM = /^(?:-?(?:0|[1-9]\d*)|0x[0-9a-f]+)$/;
const UNUM = /^(?:0|[1-9]\d*|0x[0-9a-f]+)$/;
const BASE_TYPES = new Set([
  '?', 'scalar', 'ctx', 'map_ptr', 'map_value', 'fp', 'pkt', 'pkt_meta', 'pkt_end', 'flow_keys', 'sock',
  'sock_common', 'tcp_sock', 'tp_buffer', 'xdp_sock', 'mem', 'arena', 'buf', 'func', 'map_key', 'dynptr_ptr',
]);

/** A printed signed number: decimal (|v| small) or `%#llx` of its 64-bit pattern. */
export function parseSnum(text: string, bits: 32 | 64 = 64): bigint | undefined {
  if (!SNUM.test(text)) return undefined;
  return BigInt.asIntN(bits, BigInt(text));
}

/** A printed unsigned number: decimal up to 65535 or `%#llx`. */
export function parseUnum(text: string): bigint | undefined {
  return UNUM.test(text) ? BigInt(text) : undefined;
}

function smallInt(text: string): number | undefined {
  return /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** Split on `sep` outside parentheses. */
export function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Split a printed type (`trusted_ptr_or_null_task_struct`) into type, flags and orNull. */
export function parseRegType(text: string): Pick<RegState, 'type' | 'orNull' | 'flags'> | undefined {
  let rest = text;
  const flags: string[] = [];
  for (const p of REG_TYPE_PREFIXES) {
    if (rest.startsWith(p) && rest.length > p.length) {
      flags.push(p);
      rest = rest.slice(p.length);
    }
  }
  let orNull = false;
  let type: string;
  if (rest.startsWith('ptr_')) {
    let name = rest.slice(4);
    if (name.startsWith('or_null_')) {
      orNull = true;
      name = name.slice(8);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
    type = 'ptr_' + name;
  } else {
    if (rest.endsWith('_or_null')) {
      orNull = true;
      rest = rest.slice(0, -8);
    }
    if (!BASE_TYPES.has(rest)) return undefined;
    type = rest;
  }
  return { type, ...(orNull ? { orNull } : {}), ...(flags.length ? { flags } : {}) };
}

const BOUND_BITS: Readonly<Record<string, { signed: boolean; bits: 32 | 64 }>> = {
  smin: { signed: true, bits: 64 }, smax: { signed: true, bits: 64 },
  umin: { signed: false, bits: 64 }, umax: { signed: false, bits: 64 },
  smin32: { signed: true, bits: 32 }, smax32: { signed: true, bits: 32 },
  umin32: { signed: false, bits: 32 }, umax32: { signed: false, bits: 32 },
};

function parseTnum(text: string): TnumValue | undefined {
  const m = /^\((0x[0-9a-f]+); (0x[0-9a-f]+)\)$/.exec(text);
  if (m) return { value: BigInt(m[1]!), mask: BigInt(m[2]!) };
  const c = parseUnum(text);
  return c === undefined ? undefined : { value: c, mask: 0n };
}

/** Merged bounds `smin=smin32=-5`: every name gets the value read at its own width. */
function parseBoundChain(names: string[], value: string, b: Mutable<ScalarBounds>): boolean {
  for (const name of names) {
    const spec = BOUND_BITS[name];
    if (!spec) return false;
    const v = spec.signed ? parseSnum(value, spec.bits) : parseUnum(value);
    if (v === undefined) return false;
    (b as Record<string, bigint>)[name] = v;
  }
  return true;
}

type AttrHandler = (value: string, r: Mutable<RegState>, b: Mutable<ScalarBounds>) => boolean;

const setNum = (key: 'refObjId' | 'keySize' | 'valueSize') => (v: string, r: Mutable<RegState>): boolean => {
  const n = smallInt(v);
  if (n === undefined) return false;
  r[key] = n;
  return true;
};

const setBig = (key: 'off' | 'range' | 'memSize', signed: boolean) => (v: string, r: Mutable<RegState>): boolean => {
  const n = signed ? parseSnum(v) : parseUnum(v);
  if (n === undefined) return false;
  // The kernel keeps these as C ints and prints them widened to 64 bits (r=-2 shows as 0xff..fe).
  r[key] = Number(BigInt.asIntN(64, n));
  return true;
};

/** One handler per attribute key printed inside `type(...)`. */
const ATTRS: Readonly<Record<string, AttrHandler>> = {
  id: (v, r) => {
    const m = /^(\d+)(?:([+-]\d+))?$/.exec(v);
    if (!m) return false;
    r.id = Number(m[1]);
    if (m[2] !== undefined) {
      r.addConst = true;
      r.off = Number(m[2]);
    }
    return true;
  },
  ref_obj_id: setNum('refObjId'),
  ks: setNum('keySize'),
  vs: setNum('valueSize'),
  off: setBig('off', true),
  r: setBig('range', false),
  sz: setBig('memSize', false),
  map: (v, r) => ((r.mapName = v), v.length > 0),
  type: (v, r) => ((r.dynptrType = v), v.length > 0),
  imm: (v, _r, b) => {
    const n = parseSnum(v);
    if (n === undefined) return false;
    Object.assign(b, constBounds(n));
    return true;
  },
  var_off: (v, _r, b) => {
    const t = parseTnum(v);
    if (!t) return false;
    b.varOff = t;
    return true;
  },
};

function parseAttrs(text: string, r: Mutable<RegState>): boolean {
  if (text === '') return true;
  const b: Mutable<ScalarBounds> = {};
  for (const item of splitTopLevel(text, ',')) {
    if (item === 'non_own_ref') {
      r.nonOwnRef = true;
      continue;
    }
    const parts = item.split('=');
    if (parts.length < 2) return false;
    const value = parts.pop()!;
    const handler = parts.length === 1 ? ATTRS[parts[0]!] : undefined;
    const ok = handler ? handler(value, r, b) : parseBoundChain(parts, value, b);
    if (!ok) return false;
  }
  if (Object.keys(b).length > 0) r.bounds = b;
  return true;
}

const CONST_SCALAR = /^(P?)(-?(?:0|[1-9]\d*)|0x[0-9a-f]+)$/;
const CONST_FP = /^fp(?:\[(\d+)\])?(-?(?:0|[1-9]\d*)|0x[0-9a-f]+)$/;
const TYPED = /^(P?)([A-Za-z0-9_?]+?)(?:\[(\d+)\])?\((.*)\)$/s;

/** Register texts repeat a lot (`ctx()`, `fp0`, `0`): parsed values are immutable, so share them. */
const CACHE = new Map<string, RegState | undefined>();
const CACHE_MAX = 50_000;

/** Parse a printed register value; undefined when it is not in the kernel's grammar. */
export function parseRegValue(text: string): RegState | undefined {
  if (CACHE.has(text)) return CACHE.get(text);
  const r = parseRegValueUncached(text);
  if (CACHE.size >= CACHE_MAX) CACHE.clear();
  CACHE.set(text, r);
  return r;
}

function parseRegValueUncached(text: string): RegState | undefined {
  let m = CONST_SCALAR.exec(text);
  if (m) {
    const bounds = constBounds(BigInt(m[2]!));
    return { type: 'scalar', bounds, ...(m[1] ? { precise: true } : {}) };
  }
  m = CONST_FP.exec(text);
  if (m) {
    const r: Mutable<RegState> = { type: 'fp', off: Number(BigInt.asIntN(64, BigInt(m[2]!))) };
    if (m[1] !== undefined) r.frameno = Number(m[1]);
    return r;
  }
  if (text === 'arena') return { type: 'arena' };
  m = TYPED.exec(text);
  if (!m) return undefined;
  const t = parseRegType(m[2]!);
  if (!t) return undefined;
  if (m[1] && t.type !== 'scalar') return undefined;
  if (m[3] !== undefined && t.type !== 'fp') return undefined;
  const r: Mutable<RegState> = { ...t };
  if (m[1]) r.precise = true;
  if (m[3] !== undefined) r.frameno = Number(m[3]);
  return parseAttrs(m[4]!, r) ? r : undefined;
}
