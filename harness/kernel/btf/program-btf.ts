/**
 * The BTF one Program needs: map value types with special fields (spin lock, list head, rb root,
 * timer) and the node structs their `contains:` decl tags name, plus one FUNC per subprogram for
 * func_info. Map and program share this one BTF object (the kernel requires the same BTF fd for
 * a map's lists and the program's bpf_obj_new local types).
 *
 * Invariant: type ids depend only on `program.maps` (functions come last), so a program author
 * can ask `localTypeId(maps, mapIndex, fieldIndex)` for the id that `bpf_obj_new` needs before
 * the instructions exist. Layout: 1 int, 2 long, 3 u64, 4 void*, 5 main proto, 6 subprog proto,
 * 7 u64[2], 8 u64[3], 9 u64[4], 10..15 kernel special structs, 16 local_obj, then per BTF map: node structs,
 * key type, value struct, decl tags.
 */
import { type Insn, LD_IMM64_CODE, slotsOf } from '../../isa/insn.ts';
import type { MapDef, MapValueField, Program } from '../../isa/program.ts';
import { BTF_INT_SIGNED, BtfBuilder, type BtfMember } from './encoder.ts';
import type { FuncInfoRec } from '../prog-load.ts';

const CALL_CODE = 0x85;
const BPF_PSEUDO_CALL = 1;
const BPF_PSEUDO_KFUNC_CALL = 2;
const BPF_PSEUDO_FUNC = 4;

/** Kernel special structs: name, size, opaque u64 count (the kernel checks name and size). */
const SPECIAL = {
  spin_lock: { name: 'bpf_spin_lock', size: 4 },
  list_head: { name: 'bpf_list_head', size: 16 },
  list_node: { name: 'bpf_list_node', size: 24 },
  rb_root: { name: 'bpf_rb_root', size: 16 },
  rb_node: { name: 'bpf_rb_node', size: 32 },
  timer: { name: 'bpf_timer', size: 16 },
} as const;

/** A plain 16-byte local struct `{long a; long b}` present in every program BTF, for
 * bpf_obj_new without any collection. */
export const LOCAL_OBJ_TYPE_ID = 16;

export const DEFAULT_NODE = { list_head: { size: 32, off: 8 }, rb_root: { size: 40, off: 8 } } as const;

export interface MapBtfIds {
  readonly keyTypeId: number;
  readonly valueTypeId: number;
}

export interface ProgramBtf {
  readonly bytes: Uint8Array;
  readonly funcInfo: readonly FuncInfoRec[];
  /** Per map index: BTF key/value ids, or undefined when the map has no special fields. */
  readonly maps: readonly (MapBtfIds | undefined)[];
  /** nodeTypeIds[mapIndex][fieldIndex]: local node struct id (list_head / rb_root fields). */
  readonly nodeTypeIds: readonly (readonly (number | undefined)[])[];
}

interface Base {
  int: number; long: number; u64: number; voidPtr: number; mainProto: number; subProto: number;
  special: Record<keyof typeof SPECIAL, number>;
}

function addBase(b: BtfBuilder): Base {
  const int = b.int('int', 4, BTF_INT_SIGNED);
  const long = b.int('long', 8, BTF_INT_SIGNED);
  const u64 = b.int('unsigned long long', 8);
  const voidPtr = b.ptr(0);
  const mainProto = b.funcProto(int, [{ name: 'ctx', type: voidPtr }]);
  const subProto = b.funcProto(long, [{ name: 'a', type: long }, { name: 'b', type: voidPtr }]);
  const arr = [2, 3, 4].map((n) => b.array(u64, int, n));
  const opaque = (size: number): BtfMember[] =>
    size === 4 ? [{ name: 'val', type: int, bitOffset: 0 }] : [{ name: '__opaque', type: arr[size / 8 - 2]!, bitOffset: 0 }];
  const special = Object.fromEntries(Object.entries(SPECIAL).map(([k, s]) => [k, b.struct(s.name, s.size, opaque(s.size))]));
  const localObj = b.struct('local_obj', 16, [
    { name: 'a', type: long, bitOffset: 0 }, { name: 'b', type: long, bitOffset: 64 }]);
  if (localObj !== LOCAL_OBJ_TYPE_ID) throw new Error('BTF base layout changed: fix LOCAL_OBJ_TYPE_ID');
  return { int, long, u64, voidPtr, mainProto, subProto, special: special as Base['special'] };
}

function keyType(b: BtfBuilder, base: Base, size: number): number {
  if (size === 4) return base.int;
  if (size === 8) return base.long;
  if (size === 0) return 0;
  const u8 = b.int('unsigned char', 1);
  return b.array(u8, base.int, size);
}

function nodeOf(f: MapValueField): { size: number; off: number } {
  return f.node ?? (f.kind === 'rb_root' ? DEFAULT_NODE.rb_root : DEFAULT_NODE.list_head);
}

function addMap(b: BtfBuilder, base: Base, m: MapDef, mi: number): { ids: MapBtfIds; nodes: (number | undefined)[] } {
  const fields = m.btf!.fields;
  const nodes = fields.map((f, fi) => {
    if (f.kind !== 'list_head' && f.kind !== 'rb_root') return undefined;
    const n = nodeOf(f);
    const nodeType = f.kind === 'list_head' ? base.special.list_node : base.special.rb_node;
    const members: BtfMember[] = n.off >= 8 ? [{ name: 'data', type: base.long, bitOffset: 0 }] : [];
    members.push({ name: 'node', type: nodeType, bitOffset: n.off * 8 });
    return b.struct(`node_${mi}_${fi}`, n.size, members);
  });
  const keyTypeId = keyType(b, base, m.keySize);
  const members = fields.map((f, fi) => ({ name: `f${fi}`, type: base.special[f.kind], bitOffset: f.off * 8 }));
  const valueTypeId = b.struct(`value_${mi}`, m.valueSize, members);
  fields.forEach((f, fi) => {
    if (nodes[fi] !== undefined) b.declTag(`contains:node_${mi}_${fi}:node`, valueTypeId, fi);
  });
  return { ids: { keyTypeId, valueTypeId }, nodes };
}

/** Logical-instruction starts of every subprogram, as slot offsets, sorted, 0 first. */
export function subprogStarts(insns: readonly Insn[]): number[] {
  const starts = new Set<number>([0]);
  let slot = 0;
  let total = 0;
  for (const i of insns) total += slotsOf(i);
  for (const i of insns) {
    const isCall = i.code === CALL_CODE && i.src === BPF_PSEUDO_CALL;
    const isFunc = i.code === LD_IMM64_CODE && i.src === BPF_PSEUDO_FUNC;
    const target = slot + 1 + i.imm;
    if ((isCall || isFunc) && target >= 0 && target < total) starts.add(target);
    slot += slotsOf(i);
  }
  return [...starts].sort((a, b) => a - b);
}

/** Does loading this program need program BTF (callbacks, BTF maps, kfunc calls)? */
export function programNeedsBtf(p: Program): boolean {
  if (p.maps.some((m) => m.btf && m.btf.fields.length > 0)) return true;
  return p.insns.some((i) => (i.code === LD_IMM64_CODE && i.src === BPF_PSEUDO_FUNC)
    || (i.code === CALL_CODE && i.src === BPF_PSEUDO_KFUNC_CALL));
}

function buildTypes(maps: readonly MapDef[]): { b: BtfBuilder; base: Base; maps: (MapBtfIds | undefined)[]; nodes: (number | undefined)[][] } {
  const b = new BtfBuilder();
  const base = addBase(b);
  const out: (MapBtfIds | undefined)[] = [];
  const nodes: (number | undefined)[][] = [];
  maps.forEach((m, mi) => {
    if (!m.btf || m.btf.fields.length === 0) { out.push(undefined); nodes.push([]); return; }
    const r = addMap(b, base, m, mi);
    out.push(r.ids);
    nodes.push(r.nodes);
  });
  return { b, base, maps: out, nodes };
}

export function buildProgramBtf(p: Program): ProgramBtf {
  const { b, base, maps, nodes } = buildTypes(p.maps);
  const funcInfo = subprogStarts(p.insns).map((insnOff) => ({
    insnOff,
    typeId: insnOff === 0 ? b.func('main', base.mainProto) : b.func(`f${insnOff}`, base.subProto),
  }));
  return { bytes: b.bytes(), funcInfo, maps, nodeTypeIds: nodes };
}

/** The BTF id of the node struct of `maps[mapIndex].btf.fields[fieldIndex]` (for bpf_obj_new). */
export function localTypeId(maps: readonly MapDef[], mapIndex: number, fieldIndex: number): number {
  const id = buildTypes(maps).nodes[mapIndex]?.[fieldIndex];
  if (id === undefined) throw new Error(`map ${mapIndex} field ${fieldIndex} is not a list_head/rb_root`);
  return id;
}
