import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { bucketKey, bucketParts, errorClass, insnShape, type Finding } from './finding.ts';
import { mkInsn } from '../harness/isa/insn.ts';
import { divProgram, retProgram } from '../corpus/testing.ts';

const finding = (dst: number, k: number, over: Partial<Finding> = {}): Finding => ({
  oracle: 'verdict-differential', target: 'model', program: divProgram(dst, k, 0),
  evidence: { message: `model rejects at ${1}`, pc: 1, errors: { model: `R${dst} div by zero, off=${k} 0x${(k >>> 0).toString(16)}` } },
  ...over,
});

describe('bucketKey', () => {
  it('is shared by findings differing only in registers and constants', () => {
    expect(bucketKey(finding(1, 5))).toBe(bucketKey(finding(7, -300)));
    fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer(), fc.integer({ min: 0, max: 9 }), fc.integer(),
      (d1, k1, d2, k2) => bucketKey(finding(d1, k1)) === bucketKey(finding(d2, k2))));
  });

  it('differs between oracles, targets, instruction shapes and error classes', () => {
    const base = bucketKey(finding(1, 5));
    expect(bucketKey(finding(1, 5, { oracle: 'precision' }))).not.toBe(base);
    expect(bucketKey(finding(1, 5, { target: 'kernel' }))).not.toBe(base);
    const atExit = finding(1, 5);
    expect(bucketKey({ ...atExit, evidence: { ...atExit.evidence, pc: 3 } })).not.toBe(base);
    expect(bucketKey({ ...atExit, evidence: { ...atExit.evidence, errors: { model: 'R1 invalid mem access' } } })).not.toBe(base);
  });

  it('keys on the target\'s own error, falling back to the message', () => {
    const f: Finding = { oracle: 'runtime-safety', target: 'kernel', program: retProgram(0), evidence: { message: 'oob read at 12' } };
    expect(bucketParts(f).errorClass).toBe('oob read at N');
    expect(bucketParts(f).shape).toBe('none');
    const g: Finding = { ...f, evidence: { message: 'x', pc: 0, errors: { model: 'a', kernel: 'b 1' } } };
    expect(bucketParts(g)).toEqual({ oracle: 'runtime-safety', target: 'kernel', shape: 'alu64.mov64', errorClass: 'b N' });
  });
});

describe('insnShape', () => {
  it('names class and operation, not registers, constants or the K/X bit', () => {
    expect(insnShape(mkInsn(0x37, 1, 0, 0, 9))).toBe('alu64.div64');
    expect(insnShape(mkInsn(0x3f, 4, 2, 0, 0))).toBe('alu64.div64');
    expect(insnShape(mkInsn(0x3f, 4, 2, 1, 0))).toBe('alu64.div64.off1'); // sdiv
    expect(insnShape(mkInsn(0x2e, 1, 2, 5, 0))).toBe('jmp32.jgt32');
    expect(insnShape(mkInsn(0x79, 1, 10, -8, 0))).toBe('ldx.ldxdw');
    expect(insnShape(mkInsn(0x85, 0, 0, 0, 1))).toBe('jmp.call#1');
    expect(insnShape(mkInsn(0x85, 0, 1, 0, 12))).toBe('jmp.call.src1');
    expect(insnShape(mkInsn(0xdb, 1, 2, 0, 0xe1))).toBe('stx.atomicdw.op225');
    expect(insnShape(mkInsn(0xff, 0, 0, 0, 0))).toBe('unknown.0xff');
  });
});

describe('errorClass', () => {
  it('normalises registers and numbers', () => {
    expect(errorClass("R1 invalid mem access 'scalar'")).toBe("R# invalid mem access 'scalar'");
    expect(errorClass("R10 invalid mem access 'scalar'")).toBe("R# invalid mem access 'scalar'");
    expect(errorClass('invalid access to map value, value_size=8 off=8 size=8')).toBe('invalid access to map value, value_size=N off=N size=N');
    expect(errorClass('invalid stack off=-520 size=8')).toBe('invalid stack off=N size=N');
    expect(errorClass('jump out of range from insn 1 to 7')).toBe('jump out of range from insn N to N');
    expect(errorClass('math between fp pointer and register  with unbounded min value')).toBe('math between fp pointer and register with unbounded min value');
    expect(errorClass('r0 = 0x1f; w3 bad')).toBe('R# = N; R# bad');
  });
});
