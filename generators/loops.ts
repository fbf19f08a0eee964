/**
 * Bounded loops: a counter register advanced by a small step up to a small bound (constant or a
 * masked random value), with 64- or 32-bit, signed or unsigned exit compares, counting up or
 * down, or a may_goto-bounded loop; an ALU body on other registers runs inside, sometimes with a
 * store into a stack array indexed by the counter whose bound is at, just under or just past the
 * array's end. Some loops are
 * deliberately broken (the counter never moves: "infinite loop detected") -- broken in ways the
 * verifier detects quickly, never by exhausting the 1M-instruction budget.
 */
import {
  Add64, And64, CallHelper, Exit, JLT, JLT32, JLE, JNe, JSLT, Label, Lsh64, MayGoto, Mov64, Stx, Sub64, type SymItem,
} from '../harness/isa/builder.ts';
import type { Draw } from './draw.ts';
import { type Family, program } from './family.ts';
import { HELPER_GET_PRANDOM_U32, Labels, aluBody, initAllRegs } from './frame.ts';

const COUNTER = 6;
const BOUND = 9;

/** The loop body: ALU on r0..r5 and r7..r8 (never the counter r6 or the bound r9). */
function body(d: Draw, labels: Labels): SymItem[] {
  return aluBody(d, labels, d.int(1, 8), 7, 8, 0.2);
}

/**
 * A store into a 64-byte stack array indexed by the counter: fp-64 + r6 * 8. In bounds only if
 * the loop stops at 8 elements; a bound a little past that must be rejected.
 */
const ARRAY_SLOTS = 8;
function indexedStore(): SymItem[] {
  return [Mov64.Reg(2, 10), Add64.Imm(2, -8 * ARRAY_SLOTS), Mov64.Reg(3, COUNTER), Lsh64.Imm(3, 3), Add64.Reg(2, 3), Stx(8, 2, 0, 7)];
}

function countUp(d: Draw, labels: Labels, top: string): SymItem[] {
  const indexed = d.bool(0.35);
  const step = indexed ? 1 : d.pick([1, 1, 2, 3]);
  const n = indexed ? ARRAY_SLOTS + d.weighted([[-2, 1], [0, 2], [1, 2], [2, 1]] as const) : d.int(1, 24);
  const items: SymItem[] = [Mov64.Imm(COUNTER, 0)];
  const boundReg = !indexed && d.bool(0.3);
  if (boundReg) items.push(CallHelper(HELPER_GET_PRANDOM_U32), Mov64.Reg(BOUND, 0), And64.Imm(BOUND, d.pick([7, 15, 31])));
  // 10%: a forgotten increment, with an empty body so the state repeats exactly and the verifier
  // says "infinite loop detected" at once (a changing body would run it to the 1M-insn limit)
  const broken = d.bool(0.1);
  items.push(Label(top), ...(broken ? [] : [...body(d, labels), ...(indexed ? indexedStore() : []), Add64.Imm(COUNTER, step)]));
  const cmp = d.weighted([['jlt', 4], ['jle', 1], ['jslt', 1], ['jlt32', 1], ['jne', 1]] as const);
  const jump = { jlt: JLT, jle: JLE, jslt: JSLT, jlt32: JLT32, jne: JNe }[cmp];
  const bound = cmp === 'jne' ? n * step : n; // jne terminates only on an exact multiple
  // against an unknown bound only '<' terminates quickly for the verifier
  items.push(boundReg ? (cmp === 'jne' ? JLT : jump).Reg(COUNTER, BOUND, top) : jump.Imm(COUNTER, bound, top));
  return items;
}

function countDown(d: Draw, labels: Labels, top: string): SymItem[] {
  return [Mov64.Imm(COUNTER, d.int(1, 24)), Label(top), ...body(d, labels), Sub64.Imm(COUNTER, 1), JNe.Imm(COUNTER, 0, top)];
}

/**
 * A may_goto loop that also counts: without the counter exit it would run until may_goto's
 * budget (8M iterations) runs out, which the VM's instruction budget cannot follow.
 */
function mayGoto(d: Draw, labels: Labels, top: string): SymItem[] {
  const out = labels.fresh('done');
  return [
    Mov64.Imm(COUNTER, 0), Label(top), MayGoto(out), ...body(d, labels), Add64.Imm(COUNTER, 1),
    JLT.Imm(COUNTER, d.int(1, 24), top), Label(out),
  ];
}

export const loops: Family = {
  name: 'loops',
  weight: 1,
  build: (d) => {
    const labels = new Labels();
    const top = labels.fresh('loop');
    const shape = d.weighted([['up', 4], ['down', 2], ['may_goto', 1]] as const);
    const loop = shape === 'up' ? countUp(d, labels, top) : shape === 'down' ? countDown(d, labels, top) : mayGoto(d, labels, top);
    const items = [...initAllRegs(d, { ctxLoad: false }), ...loop, Mov64.Reg(0, d.pick([7, 8, COUNTER])), Exit()];
    return program(d.pick(['socket_filter', 'sched_cls', 'xdp'] as const), items);
  },
};
