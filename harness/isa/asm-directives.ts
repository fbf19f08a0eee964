/**
 * Assembly directives: the parts of a Program that are not instructions, read and written.
 *   .prog sched_cls                                   program type
 *   .flags BPF_F_ANY_ALIGNMENT 16                      prog_flags, names or numbers
 *   .map 0 array key=4 value=8 entries=1 [flags=N] [extra=N] [btf=spin_lock@0,list_head@16:32:8]
 *   .inner 0 array key=4 value=4 entries=1             the inner map of map 0 (array/hash_of_maps)
 *   .raw 0123456789abcdef                              any 8 bytes (16 for an opcode 0x18)
 *   .8byte 0x0000000000000095                          one slot as a little-endian u64 (llvm's form)
 * `btf=` lists the special fields of the value: kind@offset, and for list_head / rb_root the
 * contained node as kind@offset:nodeSize:nodeOffset.
 *
 * Invariant: `directivesOf(p)` parsed back gives p's type, flags and maps (every MapDef field).
 */
import { type Insn } from './insn.ts';
import { decode, hexToBytes } from './codec.ts';
import { Cursor } from './asm-cursor.ts';
import {
  type MapDef, type MapValueField, type Program, type ProgType, PROG_FLAGS, type ProgFlagName, flagNames, isMapType,
  isProgType,
} from './program.ts';

export interface DirectiveState {
  progType?: ProgType;
  flags: number;
  maps: MapDef[];
}

const FIELD_KINDS: readonly MapValueField['kind'][] = ['spin_lock', 'list_head', 'rb_root', 'timer'];

function parseBtfFields(c: Cursor): MapValueField[] {
  const fields: MapValueField[] = [];
  do {
    const at = c.here();
    const m = c.tryRe(/([a-z_]+)@(\d+)(?::(\d+):(\d+))?/);
    if (!m || !FIELD_KINDS.includes(m[1] as MapValueField['kind'])) {
      c.fail(`expected a value field ${FIELD_KINDS.join('|')}@OFF[:NODE_SIZE:NODE_OFF]`, at);
    }
    const node = m[3] !== undefined ? { node: { size: Number(m[3]), off: Number(m[4]) } } : {};
    fields.push({ kind: m[1] as MapValueField['kind'], off: Number(m[2]), ...node });
  } while (c.tryRe(/,/));
  return fields;
}

const MAP_KEYS = ['key', 'value', 'entries', 'flags', 'extra', 'btf'];

function parseMapDef(c: Cursor): MapDef {
  const typeAt = c.here();
  const type = c.ident('a map type (array, hash, ...)');
  if (!isMapType(type)) c.fail(`expected a map type, got '${type}'`, typeAt);
  const kv: Record<string, number> = {};
  let fields: MapValueField[] | undefined;
  while (!c.atEnd()) {
    const keyAt = c.here();
    const key = c.ident('key=, value=, entries=, flags=, extra= or btf=');
    if (!MAP_KEYS.includes(key)) c.fail('expected key=, value=, entries=, flags=, extra= or btf=', keyAt);
    c.expect('=', "'='");
    if (key === 'btf') fields = parseBtfFields(c);
    else kv[key] = c.intIn(0, 0xffffffff, key);
  }
  for (const need of ['key', 'value', 'entries']) if (kv[need] === undefined) c.fail(`expected ${need}=N`);
  return {
    type, keySize: kv.key!, valueSize: kv.value!, maxEntries: kv.entries!,
    ...(kv.flags !== undefined ? { flags: kv.flags } : {}),
    ...(kv.extra !== undefined ? { mapExtra: kv.extra } : {}),
    ...(fields ? { btf: { fields } } : {}),
  };
}

function parseMap(c: Cursor, st: DirectiveState): void {
  const at = c.here();
  const idx = c.intIn(0, 0xffff, 'a map index');
  if (idx !== st.maps.length) c.fail(`expected map index ${st.maps.length} (maps are listed in order)`, at);
  st.maps.push(parseMapDef(c));
}

function parseInner(c: Cursor, st: DirectiveState): void {
  const at = c.here();
  const idx = c.intIn(0, 0xffff, 'a map index');
  const outer = st.maps[idx];
  if (!outer) c.fail(`expected the index of a map defined above, got ${idx}`, at);
  st.maps[idx] = { ...outer, inner: parseMapDef(c) };
}

function parseFlags(c: Cursor, st: DirectiveState): void {
  while (!c.atEnd()) {
    if (c.peekInt()) {
      st.flags |= c.intIn(0, 0xffffffff, 'a flag value');
      continue;
    }
    const at = c.here();
    const name = c.ident('a prog flag name (BPF_F_...) or a number');
    if (!Object.prototype.hasOwnProperty.call(PROG_FLAGS, name)) c.fail(`expected a prog flag name, got '${name}'`, at);
    st.flags |= PROG_FLAGS[name as ProgFlagName];
  }
  st.flags >>>= 0;
}

function parseProg(c: Cursor, st: DirectiveState): void {
  const at = c.here();
  const t = c.ident('a program type (socket_filter, sched_cls, xdp, ...)');
  if (!isProgType(t)) c.fail(`expected a program type, got '${t}'`, at);
  st.progType = t;
  c.end();
}

/** `.raw HEX`: the instruction its bytes decode to. */
export function parseRaw(c: Cursor): Insn {
  const at = c.here();
  const m = c.tryRe(/(0x)?([0-9a-fA-F]+)/);
  if (!m) c.fail('expected 16 hex digits (32 for an opcode 0x18)', at);
  c.end();
  const hex = m[2]!;
  const want = hex.startsWith('18') ? 32 : 16;
  if (hex.length !== want) c.fail(`expected ${want} hex digits${want === 32 ? ' (opcode 0x18 takes two slots)' : ''}, got ${hex.length}`, at);
  return decode(hexToBytes(hex))[0]!;
}

/** `.8byte V`: one slot given as a little-endian 64-bit value (the selftests' `__imm_insn`). */
export function parseEightByte(c: Cursor): Insn {
  const at = c.here();
  const v = c.int('a 64-bit value');
  if (v < -(1n << 63n) || v >= 1n << 64n) c.fail('expected a value that fits in 64 bits', at);
  c.end();
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  if (bytes[0] === 0x18) c.fail('expected a single-slot instruction (opcode 0x18 takes two: use .raw)', at);
  return decode(bytes)[0]!;
}

const HANDLERS: Readonly<Record<string, (c: Cursor, st: DirectiveState) => void>> = {
  '.prog': parseProg, '.flags': parseFlags, '.map': parseMap, '.inner': parseInner,
};

/** A directive other than `.raw` (the caller handles `.raw`, which yields an instruction). */
export function parseDirective(c: Cursor, name: string, at: number, st: DirectiveState): void {
  const handler = HANDLERS[name];
  if (!handler) c.fail(`expected a directive (.prog, .flags, .map, .inner, .raw, .8byte), got '${name}'`, at);
  handler(c, st);
}

// ---- printing ----

function btfText(fields: readonly MapValueField[]): string {
  return fields.map((f) => `${f.kind}@${f.off}${f.node ? `:${f.node.size}:${f.node.off}` : ''}`).join(',');
}

export function mapDefText(m: MapDef): string {
  const extra = [
    m.flags !== undefined ? ` flags=${m.flags}` : '', m.mapExtra !== undefined ? ` extra=${m.mapExtra}` : '',
    m.btf ? ` btf=${btfText(m.btf.fields)}` : '',
  ].join('');
  return `${m.type} key=${m.keySize} value=${m.valueSize} entries=${m.maxEntries}${extra}`;
}

/** The directive lines that describe a Program's type, flags and maps. */
export function directivesOf(p: Program): string[] {
  const out = [`.prog ${p.progType}`];
  if (p.flags) out.push(`.flags ${flagNames(p.flags).join(' ')}`);
  p.maps.forEach((m, i) => {
    out.push(`.map ${i} ${mapDefText(m)}`);
    if (m.inner) out.push(`.inner ${i} ${mapDefText(m.inner)}`);
  });
  return out;
}
