import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { jumpsInRange, minimize, withoutInsn } from './minimize.ts';
import {
  Add64, Div64, Exit, JGT, Ja, Label, LdImm64, LdMap, Mov64, type SymItem, resolve,
} from '../harness/isa/builder.ts';
import { type Insn, mkInsn, slotsOf } from '../harness/isa/insn.ts';
import type { Program } from '../harness/isa/program.ts';
import { opcodeRow } from '../harness/isa/opcodes.ts';
import { targetField } from '../harness/isa/builder.ts';

const prog = (items: SymItem[]): Program => ({ progType: 'socket_filter', maps: [], insns: resolve(items) });

const isDivByZeroK = (i: Insn): boolean => i.code === 0x37 && i.imm === 0;
const isExit = (i: Insn): boolean => i.code === 0x95;
/** "contains an r /= 0-like instruction and an exit" */
const divAndExit = (p: Program): boolean => p.insns.some(isDivByZeroK) && p.insns.some(isExit);

/** The instruction a jump at `pc` lands on, if any. */
function jumpTarget(insns: readonly Insn[], pc: number): Insn | undefined {
  let slot = 0;
  const bySlot = new Map<number, Insn>();
  insns.forEach((insn) => { bySlot.set(slot, insn); slot += slotsOf(insn); });
  let s = 0;
  for (let i = 0; i < pc; i++) s += slotsOf(insns[i]!);
  const f = targetField(insns[pc]!);
  return f ? bySlot.get(s + 1 + insns[pc]![f]) : undefined;
}
/** "a conditional jump lands on an exit, and there is a division by zero" */
const condJumpToExit = (p: Program): boolean =>
  p.insns.some(isDivByZeroK) &&
  p.insns.some((insn, pc) => opcodeRow(insn.code)?.kind === 'jcond' && jumpTarget(p.insns, pc)?.code === 0x95);

/** Random programs with labels and jumps (every label defined once, every target defined). */
const programArb: fc.Arbitrary<Program> = fc.record({
  body: fc.array(fc.oneof(
    fc.tuple(fc.constant('mov'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: -2000, max: 2000 })),
    fc.tuple(fc.constant('add'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })),
    fc.tuple(fc.constant('div'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 })),
    fc.tuple(fc.constant('jgt'), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 })),
    fc.tuple(fc.constant('ja'), fc.constant(0), fc.integer({ min: 0, max: 3 })),
    fc.tuple(fc.constant('lddw'), fc.integer({ min: 0, max: 9 }), fc.integer()),
    fc.tuple(fc.constant('exit'), fc.constant(0), fc.constant(0)),
  ), { minLength: 4, maxLength: 40 }),
  labelAt: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
}).map(({ body, labelAt }) => {
  const items: SymItem[] = [];
  body.forEach(([op, a, b], i) => {
    labelAt.forEach((at, l) => { if (at % body.length === i) items.push(Label(`l${l}`)); });
    if (op === 'mov') items.push(Mov64.Imm(a, b));
    else if (op === 'add') items.push(Add64.Reg(a, b));
    else if (op === 'div') items.push(Div64.Imm(a, b));
    else if (op === 'jgt') items.push(JGT.Imm(a, 3, `l${b}`));
    else if (op === 'ja') items.push(Ja(`l${b}`));
    else if (op === 'lddw') items.push(LdImm64(a, BigInt(b) << 20n));
    else items.push(Exit());
  });
  return prog([...items, Exit()]);
});

function checkMinimal(result: Program, pred: (p: Program) => boolean): void {
  for (let pc = 0; pc < result.insns.length; pc++) {
    const smaller = withoutInsn(result, pc);
    expect(pred(smaller), `deleting insn ${pc} keeps the predicate`).toBe(false);
  }
}

describe('minimize', () => {
  it('reduces a padded program to the division and the exit, on r0, constants at 0', () => {
    const p = prog([
      Mov64.Imm(6, 1234), Label('top'), Add64.Reg(6, 7), JGT.Imm(6, 100, 'out'), Mov64.Imm(7, 99),
      Div64.Imm(7, 0), Ja('top'), Label('out'), Mov64.Imm(0, 5), Exit(),
    ]);
    const r = minimize(p, divAndExit);
    expect(r.program.insns).toEqual([
      { code: 0x37, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    expect(r.exhausted).toBe(false);
  });

  it('keeps a jump and retargets it when its label\'s instruction is deleted', () => {
    const p = prog([
      Mov64.Imm(1, 7), JGT.Imm(1, 3, 'x'), Div64.Imm(2, 0), Mov64.Imm(0, 1), Label('x'), Mov64.Imm(0, 2), Exit(),
    ]);
    const r = minimize(p, condJumpToExit);
    expect(condJumpToExit(r.program)).toBe(true);
    expect(jumpsInRange(r.program.insns)).toBe(true);
    expect(r.program.insns).toHaveLength(3);
    checkMinimal(r.program, condJumpToExit);
  });

  it('simplifies constants toward 0 and small powers of two', () => {
    const p = prog([Mov64.Imm(3, 1000), Div64.Imm(3, 0), Exit()]);
    const big = (q: Program): boolean => divAndExit(q) && q.insns.some((i) => i.code === 0xb7 && i.imm > 100);
    const r = minimize(p, big);
    expect(r.program.insns.find((i) => i.code === 0xb7)?.imm).toBe(128);
  });

  it('drops a jump whose only possible target was deleted at the end', () => {
    const p = prog([Div64.Imm(1, 0), JGT.Imm(1, 3, 'end'), Exit(), Label('end'), Mov64.Imm(0, 0), Exit()]);
    const r = minimize(p, divAndExit);
    expect(r.program.insns.map((i) => i.code)).toEqual([0x37, 0x95]);
  });

  it('property: result satisfies the predicate, is no longer, jumps resolve, 1-minimal, deterministic', () => {
    const ran = new Map<unknown, number>();
    for (const pred of [divAndExit, condJumpToExit]) {
      fc.assert(fc.property(programArb, (p) => {
        fc.pre(pred(p));
        ran.set(pred, (ran.get(pred) ?? 0) + 1);
        const r = minimize(p, pred);
        expect(pred(r.program)).toBe(true);
        expect(r.program.insns.length).toBeLessThanOrEqual(p.insns.length);
        expect(jumpsInRange(r.program.insns)).toBe(true);
        expect(r.exhausted).toBe(false);
        checkMinimal(r.program, pred);
        expect(minimize(p, pred).program).toEqual(r.program);
      }), { numRuns: 60 });
    }
    console.log(`minimizer property: ${ran.get(divAndExit)} programs for divAndExit, ${ran.get(condJumpToExit)} for condJumpToExit`);
    expect(ran.get(divAndExit)).toBe(60);
    expect(ran.get(condJumpToExit)).toBe(60);
  });

  it('drops maps nothing refers to any more and renumbers the references', () => {
    const maps: Program['maps'] = [
      { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
      { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 2 },
      { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
    ];
    const p: Program = { ...prog([LdMap(1, 0), LdMap(2, 2), Div64.Imm(3, 0), Exit()]), maps };
    const ringbufRef = (q: Program): boolean => q.insns.some((i) => i.code === 0x18 && i.src === 5 && q.maps[i.imm]?.type === 'ringbuf');
    const pred = (q: Program): boolean => divAndExit(q) && ringbufRef(q);
    const r = minimize(p, pred);
    expect(r.program.maps).toEqual([maps[2]]);
    expect(r.program.insns.filter((i) => i.code === 0x18).map((i) => [i.src, i.imm])).toEqual([[5, 0]]);
    expect(pred(r.program)).toBe(true);
  });

  it('returns the input unchanged when nothing can be removed', () => {
    const p = prog([Div64.Imm(0, 0), Exit()]);
    const r = minimize(p, divAndExit);
    expect(r.program).toEqual(p);
  });

  it('respects the test budget and still returns a program satisfying the predicate', () => {
    const p = prog(Array.from({ length: 30 }, (_, i) => Mov64.Imm(i % 9 + 1, i + 500)).concat([Div64.Imm(1, 0), Exit()]));
    const r = minimize(p, divAndExit, { maxTests: 5 });
    expect(r.tests).toBeLessThanOrEqual(5);
    expect(r.exhausted).toBe(true);
    expect(divAndExit(r.program)).toBe(true);
  });
});

describe('minimize with a deadline', () => {
  it('tests nothing past the deadline and keeps the program it was given', () => {
    let calls = 0;
    const p: Program = { progType: 'socket_filter', maps: [], insns: [mkInsn(0xb7, 0, 0, 0, 1), mkInsn(0xb7, 1, 0, 0, 2), mkInsn(0x95, 0, 0, 0, 0)] };
    const r = minimize(p, () => { calls++; return true; }, { deadline: Date.now() - 1 });
    expect(calls).toBe(0);
    expect(r.program.insns).toEqual(p.insns);
    expect(r.exhausted).toBe(true);
  });
});
