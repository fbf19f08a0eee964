/**
 * Pointer arithmetic near the edges: on the stack, on map values (map by index, src=5 ld_imm64,
 * bpf_map_lookup_elem, null check) and on packets (sched_cls / xdp data..data_end), with a
 * variable offset guarded by bounds checks of varying precision -- limits off by one, signed
 * versus unsigned compares, 32- versus 64-bit compares, masks, shifts, or no guard at all -- and
 * an access whose end lands just inside or just outside the object. Roughly half of these
 * programs are rejected; the accepted ones are where a verifier bug would let memory go wrong.
 */
import {
  And64, CallHelper, Exit, JEq, JGE, JGT, JGT32, JSGT, JSLT, Label, Ldx, LdMap, Mov64, Add64, Arsh64, Rsh64, Lsh64,
  St, Stx, type SymItem, type Size,
} from '../harness/isa/builder.ts';
import type { MapDef, Program } from '../harness/isa/program.ts';
import type { Draw } from './draw.ts';
import { type Family, program } from './family.ts';
import { HELPER_GET_PRANDOM_U32 } from './frame.ts';

const HELPER_MAP_LOOKUP_ELEM = 1;
const SIZES: readonly Size[] = [1, 2, 4, 8];

/** A value near `x`: x-1, x or x+1 (mostly x). */
const near = (d: Draw, x: number): number => x + d.weighted([[-1, 1], [0, 4], [1, 1]] as const);

/**
 * Bound the scalar in `r` to about [0, limit] (or fail to), in one of several ways, jumping to
 * `out` when the check fails. `limit` is the largest offset the access tolerates.
 */
function guard(d: Draw, r: number, limit: number, out: string): SymItem[] {
  const lim = Math.max(0, near(d, limit));
  const pow = 1 << Math.max(0, Math.ceil(Math.log2(limit + 1)));
  switch (d.weighted([['jgt', 4], ['jge', 1], ['mask', 3], ['signed', 2], ['signed-both', 2], ['jmp32', 2], ['shift', 1], ['none', 1]] as const)) {
    case 'jgt': return [JGT.Imm(r, lim, out)];
    case 'jge': return [JGE.Imm(r, lim, out)];
    case 'mask': return [And64.Imm(r, d.pick([pow - 1, Math.max(0, pow / 2 - 1), pow * 2 - 1, lim]))];
    case 'signed': return [JSGT.Imm(r, lim, out)]; // no lower bound: a negative value slips through
    case 'signed-both': return [JSLT.Imm(r, d.pick([0, 0, -1]), out), JSGT.Imm(r, lim, out)];
    case 'jmp32': return [JGT32.Imm(r, lim, out)]; // bounds only the low 32 bits
    case 'shift': {
      const k = d.int(1, 63);
      return [Lsh64.Imm(r, k), Rsh64.Imm(r, Math.min(63, k + d.int(0, 8)))];
    }
    case 'none': return [];
  }
}

/** A scalar for the variable offset in register `r`: random u32, a masked one, or a constant. */
function variable(d: Draw, r: number): SymItem[] {
  switch (d.weighted([['rand', 3], ['rand-sx', 1], ['const', 1]] as const)) {
    case 'rand': return [CallHelper(HELPER_GET_PRANDOM_U32), Mov64.Reg(r, 0)];
    case 'rand-sx': return [CallHelper(HELPER_GET_PRANDOM_U32), Mov64.Reg(r, 0), Lsh64.Imm(r, 32), Arsh64.Imm(r, 32)]; // signed
    case 'const': return [Mov64.Imm(r, d.pick([0, 1, 7, 8, -1, -8, 255, 4096]))];
  }
}

/** A load or store of `size` bytes at (base + off). */
function access(d: Draw, base: number, off: number, size: Size): SymItem {
  switch (d.weighted([['load', 3], ['store-imm', 1], ['store-reg', 1]] as const)) {
    case 'load': return Ldx(size, 0, base, off);
    case 'store-imm': return St(size, base, off, d.imm32());
    case 'store-reg': return Stx(size, base, off, 7);
  }
}

/** r0 = 0; exit -- and the `out` block when some jump goes there (else it would be unreachable). */
function tail(items: readonly SymItem[], out: string): SymItem[] {
  const used = items.some((it) => it.kind === 'insn' && it.target === out);
  return [Mov64.Imm(0, 0), Exit(), ...(used ? [Label(out), Mov64.Imm(0, 1), Exit()] : [])];
}

function stackCase(d: Draw): Program {
  const size = d.pick(SIZES);
  const base = -d.pick([8, 16, 64, 256, 512]);
  const items: SymItem[] = [...variable(d, 6), Mov64.Imm(7, d.imm32())];
  // Initialize the window so reads of it are defined (sometimes leave it uninitialized).
  if (d.bool(0.8)) for (let o = base; o < 0; o += 8) items.push(St(8, 10, o, 0));
  items.push(...guard(d, 6, -base - size, 'out'), Mov64.Reg(2, 10), Add64.Imm(2, base));
  if (d.bool(0.8)) items.push(Add64.Reg(2, 6));
  items.push(access(d, 2, d.weighted([[0, 4], [-1, 1], [1, 1]] as const), size));
  return program('socket_filter', [...items, ...tail(items, 'out')]);
}

function mapCase(d: Draw): Program {
  const valueSize = d.pick([4, 8, 16, 48, 64]);
  const map: MapDef = d.bool(0.7)
    ? { type: 'array', keySize: 4, valueSize, maxEntries: d.pick([1, 2, 4]) }
    : { type: 'hash', keySize: 4, valueSize, maxEntries: 16 };
  const size = d.pick(SIZES.filter((s) => s <= valueSize));
  const items: SymItem[] = [...variable(d, 6), Mov64.Imm(7, d.imm32())];
  if (d.bool(0.95)) items.push(St(4, 10, -4, d.int(0, 1)));
  items.push(Mov64.Reg(2, 10), Add64.Imm(2, -4), LdMap(1, 0), CallHelper(HELPER_MAP_LOOKUP_ELEM));
  if (d.bool(0.95)) items.push(JEq.Imm(0, 0, 'out'));
  items.push(...guard(d, 6, valueSize - size, 'out'), Add64.Reg(0, 6));
  const off = d.weighted([[0, 4], [-1, 1], [1, 1], [valueSize - size, 1]] as const);
  items.push(Mov64.Reg(1, 0), access(d, 1, off, size));
  return program(d.weighted([['socket_filter', 2], ['xdp', 1]] as const), [...items, ...tail(items, 'out')], [map]);
}

/** Packet layout of the context: offsets of data and data_end. */
const PKT = { sched_cls: { data: 76, end: 80 }, xdp: { data: 0, end: 4 } } as const;

function packetCase(d: Draw): Program {
  const progType = d.pick(['sched_cls', 'xdp'] as const);
  const n = d.pick([1, 2, 4, 8, 14, 20, 34, 64]);
  const size = d.pick(SIZES.filter((z) => z <= n));
  const items: SymItem[] = [
    Mov64.Imm(7, d.imm32()), Ldx(4, 2, 1, PKT[progType].data), Ldx(4, 3, 1, PKT[progType].end), Mov64.Reg(4, 2), Add64.Imm(4, n),
  ];
  const check = d.weighted([['jgt', 5], ['jge', 1], ['jgt-swapped', 1], ['jmp32', 1], ['signed', 1], ['none', 1]] as const);
  if (check === 'jgt') items.push(JGT.Reg(4, 3, 'out'));
  if (check === 'jge') items.push(JGE.Reg(4, 3, 'out'));
  if (check === 'jgt-swapped') items.push(JGT.Reg(3, 4, 'ok'), Mov64.Imm(0, 0), Exit(), Label('ok'));
  if (check === 'jmp32') items.push(JGT32.Reg(4, 3, 'out'));
  if (check === 'signed') items.push(JSGT.Reg(4, 3, 'out'));
  if (d.bool(0.4)) {
    // variable offset from a packet byte, bounded, then a second range check
    items.push(Ldx(1, 5, 2, 0), ...guard(d, 5, 32, 'out'), Add64.Reg(2, 5), Mov64.Reg(4, 2), Add64.Imm(4, n), JGT.Reg(4, 3, 'out'));
  }
  items.push(access(d, 2, near(d, n - size), size));
  return program(progType, [...items, ...tail(items, 'out')]);
}

const CASES = { stack: stackCase, map: mapCase, packet: packetCase } as const;

export const ptrArith: Family = {
  name: 'ptr-arith',
  weight: 6,
  build: (d) => CASES[d.weighted([['stack', 1], ['map', 2], ['packet', 2]] as const)](d),
};
