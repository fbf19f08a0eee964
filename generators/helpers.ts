/**
 * Helper calls with map arguments: bpf_map_lookup_elem / update_elem / delete_elem on array,
 * hash and percpu maps, bpf_ringbuf_output on a ring buffer, bpf_map_push_elem /
 * peek_elem on a bloom filter. Keys and values live on the stack, written with the right or a
 * wrong width (or not at all), pointers sometimes off by a few bytes, sizes near the limits, a
 * map of the wrong type now and then, a lookup result dereferenced with or without a null check.
 */
import { Add64, CallHelper, Exit, JEq, Label, Ldx, LdMap, Mov64, St, type SymItem, type Size } from '../harness/isa/builder.ts';
import type { MapDef, Program } from '../harness/isa/program.ts';
import type { Draw } from './draw.ts';
import { type Family, program } from './family.ts';

const H = {
  lookup: 'map_lookup_elem', update: 'map_update_elem', delete: 'map_delete_elem', ringbufOutput: 'ringbuf_output',
  push: 'map_push_elem', peek: 'map_peek_elem',
} as const;
const KEY_OFF = -8;
const VAL_OFF = -72; // value buffer: fp-72 .. fp-9 (64 bytes)

/** Store `bytes` bytes at fp+off with stores of width `w` (stopping at the buffer end). */
function fill(d: Draw, off: number, bytes: number): SymItem[] {
  const w = d.weighted([[8, 3], [4, 1], [1, 1]] as const) as Size;
  const out: SymItem[] = [];
  for (let o = 0; o < bytes; o += w) out.push(St(w, 10, off + o, d.imm32()));
  return out;
}

/** r{dst} = fp + off (+ a small skew now and then). */
const stackPtr = (d: Draw, dst: number, off: number): SymItem[] =>
  [Mov64.Reg(dst, 10), Add64.Imm(dst, off + (d.bool(0.1) ? d.pick([-4, -1, 1, 4, 8]) : 0))];

function kvMap(d: Draw): MapDef {
  const keySize = d.pick([4, 4, 8]);
  const valueSize = d.pick([4, 8, 16, 64]);
  const type = d.weighted([['array', 2], ['hash', 2], ['percpu_array', 1], ['lru_hash', 1]] as const);
  const isArray = type === 'array' || type === 'percpu_array'; // array keys are u32
  return { type, keySize: isArray ? 4 : keySize, valueSize, maxEntries: d.pick([1, 4, 64]) };
}

function mapOp(d: Draw): Program {
  const map = d.bool(0.05) ? { type: 'ringbuf' as const, keySize: 0, valueSize: 0, maxEntries: 4096 } : kvMap(d);
  const op = d.weighted([['lookup', 3], ['update', 2], ['delete', 1]] as const);
  const items: SymItem[] = [];
  if (d.bool(0.9)) items.push(...fill(d, KEY_OFF, d.bool(0.9) ? map.keySize : d.pick([1, 2, 4])));
  if (op === 'update' && d.bool(0.9)) items.push(...fill(d, VAL_OFF, d.bool(0.9) ? map.valueSize : Math.max(1, map.valueSize - 4)));
  items.push(LdMap(1, 0), ...stackPtr(d, 2, KEY_OFF));
  if (op === 'update') items.push(...stackPtr(d, 3, VAL_OFF), Mov64.Imm(4, d.pick([0, 0, 1, 2, 4])));
  items.push(CallHelper(H[op]));
  if (op === 'lookup') {
    const checked = d.bool(0.9);
    if (checked) items.push(JEq.Imm(0, 0, 'out'));
    const size = d.pick([1, 2, 4, 8].filter((s) => s <= Math.max(1, map.valueSize))) as Size;
    items.push(Ldx(size, 0, 0, d.bool(0.85) ? 0 : map.valueSize - size + d.pick([0, 1])), Exit());
    if (checked) items.push(Label('out'), Mov64.Imm(0, 0), Exit());
    return program('socket_filter', items, [map]);
  }
  items.push(Mov64.Imm(0, 0), Exit());
  return program(d.pick(['socket_filter', 'sched_cls', 'xdp'] as const), items, [map]);
}

function ringbufOutput(d: Draw): Program {
  const map: MapDef = d.bool(0.9) ? { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 } : { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 };
  const size = d.pick([1, 8, 16, 64, 65, 0]);
  const items: SymItem[] = [...fill(d, VAL_OFF, Math.min(64, d.bool(0.9) ? size : 8)), LdMap(1, 0), ...stackPtr(d, 2, VAL_OFF),
    Mov64.Imm(3, size), Mov64.Imm(4, 0), CallHelper(H.ringbufOutput), Mov64.Imm(0, 0), Exit()];
  return program(d.pick(['socket_filter', 'xdp'] as const), items, [map]);
}

function bloom(d: Draw): Program {
  const valueSize = d.pick([4, 8]);
  const map: MapDef = { type: 'bloom_filter', keySize: 0, valueSize, maxEntries: 16, mapExtra: d.int(1, 5) };
  const op = d.pick(['push', 'peek'] as const);
  const items: SymItem[] = [...fill(d, VAL_OFF, d.bool(0.9) ? valueSize : 2), LdMap(1, 0), ...stackPtr(d, 2, VAL_OFF)];
  if (op === 'push') items.push(Mov64.Imm(3, d.pick([0, 0, 1, 2])));
  items.push(CallHelper(H[op]), Exit());
  return program(d.pick(['socket_filter', 'sched_cls'] as const), items, [map]);
}

export const helpers: Family = {
  name: 'helpers',
  weight: 1,
  build: (d) => ({ map: mapOp, ringbuf: ringbufOutput, bloom })[d.weighted([['map', 4], ['ringbuf', 1], ['bloom', 1]] as const)](d),
};
