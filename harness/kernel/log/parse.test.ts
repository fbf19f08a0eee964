import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogEvent } from '../../verifier/state/log-state.ts';
import { renderLog } from '../../verifier/log.ts';
import { parseVerifierLog } from './parse.ts';
import { parseRegValue } from './reg.ts';
import { parseStateText } from './state.ts';
import { arbLog } from './log-arbitraries.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'latin1');
const eventsOf = <K extends LogEvent['kind']>(evs: readonly LogEvent[], kind: K): Extract<LogEvent, { kind: K }>[] =>
  evs.filter((e): e is Extract<LogEvent, { kind: K }> => e.kind === kind);

describe('parseRegValue', () => {
  it('reads merged scalar bounds and var_off', () => {
    expect(parseRegValue('scalar(smin=smin32=0,smax=umax=smax32=umax32=100,var_off=(0x0; 0x7f))')).toEqual({
      type: 'scalar',
      bounds: { smin: 0n, smin32: 0n, smax: 100n, umax: 100n, smax32: 100n, umax32: 100n, varOff: { value: 0n, mask: 0x7fn } },
    });
  });

  it('reads each merged name at its own width (hex smin32 is a u32 pattern)', () => {
    // smin32 = -100000 prints as (u32) 0xfffe7960, merged with an equal 64-bit smin.
    expect(parseRegValue('scalar(smin=smin32=0xfffe7960)')?.bounds).toEqual({ smin: 4294867296n, smin32: -100000n });
    expect(parseRegValue('scalar(smin=0x8000000000000001,umin=umin32=1)')?.bounds)
      .toEqual({ smin: -9223372036854775807n, umin: 1n, umin32: 1n });
  });

  it('reads a constant as full constant bounds, P as precise', () => {
    const r = parseRegValue('P-1');
    expect(r?.precise).toBe(true);
    expect(r?.bounds).toMatchObject({ smin: -1n, smax: -1n, umin: 0xffffffffffffffffn, umax32: 0xffffffffn, smin32: -1n });
    expect(r?.bounds?.varOff).toEqual({ value: 0xffffffffffffffffn, mask: 0n });
    expect(parseRegValue('0x80000000')?.bounds).toMatchObject({ smin: 0x80000000n, smin32: -0x80000000n, umax32: 0x80000000n });
  });

  it('reads pointer attributes', () => {
    expect(parseRegValue('map_value_or_null(id=1,map=vf_map0,ks=4,vs=8)')).toEqual({
      type: 'map_value', orNull: true, id: 1, mapName: 'vf_map0', keySize: 4, valueSize: 8,
    });
    expect(parseRegValue('pkt(off=20,r=0xfffffffffffffffe)')).toEqual({ type: 'pkt', off: 20, range: -2 });
    expect(parseRegValue('trusted_ptr_or_null_task_struct(id=3,ref_obj_id=3)')).toEqual({
      type: 'ptr_task_struct', orNull: true, flags: ['trusted_'], id: 3, refObjId: 3,
    });
    expect(parseRegValue('rdonly_ringbuf_mem(ref_obj_id=2,sz=8)')).toEqual({
      type: 'mem', flags: ['rdonly_', 'ringbuf_'], refObjId: 2, memSize: 8,
    });
    expect(parseRegValue('scalar(id=2+8)')).toEqual({ type: 'scalar', id: 2, addConst: true, off: 8 });
    expect(parseRegValue('map_value(ks=8,vs=48,imm=16)')?.bounds?.varOff).toEqual({ value: 16n, mask: 0n });
  });

  it('reads stack pointers, with the frame when it is not the printing one', () => {
    expect(parseRegValue('fp-8')).toEqual({ type: 'fp', off: -8 });
    expect(parseRegValue('fp[0]-16')).toEqual({ type: 'fp', frameno: 0, off: -16 });
    expect(parseRegValue('fp0')).toEqual({ type: 'fp', off: 0 });
  });

  it('refuses what the kernel does not print', () => {
    for (const bad of ['scalar(', 'scalar(smin=zz)', 'Pctx()', 'banana()', 'scalar(umin32=-1)', 'map_value(ks=4,vs)', '01', '']) {
      expect(parseRegValue(bad), bad).toBeUndefined();
    }
  });
});

describe('parseStateText', () => {
  it('reads a frame with registers, stack slots, refs and callback marks', () => {
    const s = parseStateText(' frame1: R1=fp[0]-8 R10=fp0 fp-8=0000???? fp-16=????5 fp-24=ctx() fp-40=dynptr_ringbuf(id=1,ref_id=2,dynptr_id=1) refs=2,4 cb');
    expect(s?.refs).toEqual([2, 4]);
    const f = s!.frames[0]!;
    expect(f.frameno).toBe(1);
    expect(f.inCallbackFn).toBe(true);
    expect([...f.regs.keys()]).toEqual([1, 10]);
    expect(f.stack.map((x) => x.off)).toEqual([-8, -16, -24, -40]);
    expect(f.stack[0]).toEqual({ off: -8, bytes: '0000????' });
    expect(f.stack[1]?.bytes).toBe('????rrrr');
    expect(f.stack[1]?.spilled?.bounds?.smin).toBe(5n);
    expect(f.stack[2]).toEqual({ off: -24, spilled: { type: 'ctx' } });
    expect(f.stack[3]).toEqual({ off: -40, special: 'dynptr_ringbuf(id=1,ref_id=2,dynptr_id=1)' });
  });

  it('is empty for an empty text and refuses tokens out of order', () => {
    expect(parseStateText('')?.frames[0]?.regs.size).toBe(0);
    expect(parseStateText(' fp-8=mmmmmmmm R1=ctx()')).toBeUndefined();
    expect(parseStateText(' frame0: R1=ctx()')).toBeUndefined();
    expect(parseStateText('R1=ctx()')).toBeUndefined();
  });
  it('reads a spilled dynptr pointer, NULL-able or not, as a register, not a dynptr slot', () => {
    // found by the render/parse property: `dynptr_ptr_or_null(...)` was taken for a special slot
    for (const text of ['dynptr_ptr(type=local)', 'dynptr_ptr_or_null(type=local,imm=0xffffffffffff7fff)']) {
      const slot = parseStateText(` fp-8=${text}`)?.frames[0]?.stack[0];
      expect(slot?.special).toBeUndefined();
      expect(slot?.spilled?.type).toBe('dynptr_ptr');
    }
    expect(parseStateText(' fp-8=dynptr_ringbuf(ref_id=2)')?.frames[0]?.stack[0]?.special).toBe('dynptr_ringbuf(ref_id=2)');
  });
});

describe('parseVerifierLog', () => {
  it('reads a level-2 accept log (fixture branch-map.L2.log)', () => {
    const p = parseVerifierLog(fixture('branch-map.L2.log'));
    expect(p.unknown).toEqual([]);
    expect(p.events[0]).toEqual({ kind: 'func', funcId: 0, pc: 0 });
    const rows = eventsOf(p.events, 'live_regs');
    expect(rows[0]).toEqual({ kind: 'live_regs', pc: 0, live: [1], code: 0x61, text: 'r6 = *(u32 *)(r1 +0)' });
    const i8 = eventsOf(p.events, 'insn').find((e) => e.pc === 8)!;
    expect(i8.text).toBe('if r6 > 0x64 goto pc+2');
    expect(i8.after?.frames[0]?.regs.get(6)?.bounds).toEqual({
      smin: 0n, smin32: 0n, smax: 100n, umax: 100n, smax32: 100n, umax32: 100n, varOff: { value: 0n, mask: 0x7fn },
    });
    const br = eventsOf(p.events, 'branch');
    expect(br.map((b) => [b.from, b.to])).toEqual([[8, 11], [7, 13]]);
    expect(br[0]!.state.frames[0]!.stack).toEqual([{ off: -8, bytes: '0000????' }]);
    expect(eventsOf(p.events, 'stats')).toEqual([{
      kind: 'stats', processed: 13, limit: 1000000, maxStatesPerInsn: 0, totalStates: 1, peakStates: 1, markRead: 0,
    }]);
    expect(eventsOf(p.events, 'error')).toEqual([]);
  });

  it('reads calls, frames, precision and the stats footer (fixture subprog.L6.log)', () => {
    const p = parseVerifierLog(fixture('subprog.L6.log'));
    expect(p.unknown).toEqual([]);
    const calls = eventsOf(p.events, 'call');
    expect(calls.map((c) => c.text)).toEqual(['caller:', 'callee:', 'returning from callee:', 'to caller at 8:']);
    const callee = calls[1]!.state!.frames[0]!;
    expect(callee.frameno).toBe(1);
    expect(callee.regs.get(1)).toEqual({ type: 'fp', frameno: 0, off: -8 });
    expect(calls[0]!.state!.frames[0]!.stack).toEqual([
      { off: -8, spilled: expect.objectContaining({ type: 'scalar' }) },
      { off: -16, bytes: 'mmmm????' },
      { off: -24, spilled: { type: 'ctx' } },
    ]);
    expect(eventsOf(p.events, 'mark_precise').length).toBe(15);
    const after = eventsOf(p.events, 'state').find((s) => s.pc === 8 && s.after);
    expect(after?.state.frames[0]?.regs.get(0)?.bounds?.smin).toBe(0n);
    const stats = eventsOf(p.events, 'stats')[0]!;
    expect(stats.stackDepth).toEqual([24, 0]);
    expect(stats.verificationTimeUsec).toBeGreaterThan(0);
    expect(stats.processed).toBe(16);
  });

  it('reads a level-1 reject with a popped branch on the insn line (fixture reject-unbounded.L1.log)', () => {
    const p = parseVerifierLog(fixture('reject-unbounded.L1.log'));
    expect(p.unknown).toEqual([]);
    const i = p.events.findIndex((e) => e.kind === 'insn' && e.pc === 8);
    expect(p.events[i]).toEqual({ kind: 'insn', pc: 8, code: 0x35, text: 'if r1 >= 0xa goto pc+1' });
    expect(p.events[i + 1]).toMatchObject({ kind: 'state', pc: 10, sameLine: true });
    expect(eventsOf(p.events, 'error')).toEqual([
      { kind: 'error', text: 'R0 unbounded memory access, make sure to bounds check any such access' },
    ]);
  });

  it('reads special stack slots and refs (fixture ringbuf-dynptr.L2.log)', () => {
    const p = parseVerifierLog(fixture('ringbuf-dynptr.L2.log'));
    expect(p.unknown).toEqual([]);
    const call = eventsOf(p.events, 'insn').find((e) => e.text === 'call bpf_ringbuf_reserve_dynptr#198')!;
    expect(call.after?.refs).toEqual([2]);
    expect(call.after?.frames[0]?.stack).toEqual([{ off: -16, special: 'dynptr_ringbuf(id=1,ref_id=2,dynptr_id=1)' }]);
  });

  it('turns trailing free text into the error and the rest into numbered unknown lines', () => {
    const log = [
      'func#0 @0', 'this is not a verifier line', '0: R1=ctx() R10=fp0', '0: (95) exit',
      'infinite loop detected at insn 1', 'cur state: R0=0 R10=fp0', 'old state: R0=0 R10=fp0',
      'processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0', '',
    ].join('\n');
    const p = parseVerifierLog(log);
    expect(p.lines).toBe(8);
    expect(p.unknown).toEqual([{ kind: 'unknown', line: 2, text: 'this is not a verifier line' }]);
    expect(eventsOf(p.events, 'error')).toEqual([{ kind: 'error', text: 'infinite loop detected at insn 1' }]);
    expect(eventsOf(p.events, 'note').map((n) => n.text)).toEqual(['cur state:', 'old state:']);
  });

  it('keeps a footer that is not followed by `processed` as notes', () => {
    const p = parseVerifierLog('verification time 5 usec\nstack depth 0\n');
    expect(p.events).toEqual([
      { kind: 'note', text: 'verification time 5 usec' }, { kind: 'note', text: 'stack depth 0' },
    ]);
  });
});

describe('golden: fixtures parse and render back byte for byte', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.log'));
  it.each(files)('%s', (f) => {
    const text = fixture(f);
    const p = parseVerifierLog(text);
    expect(p.unknown).toEqual([]);
    expect(p.lines).toBeGreaterThan(0);
    expect(renderLog(p.events)).toBe(text);
  });
});

describe('properties', () => {
  it('the parser never throws on arbitrary text', () => {
    const fragments = fc.constantFrom('R1=', 'scalar(', 'smin=', '0x', ')', ' ', 'fp-8=', '????', 'from 1 to 2:',
      '3: (bf) r1 = r2', ';', 'frame1:', '\n', 'caller:', 'processed 1 insns', 'goto pc+1 ', '=', ',', 'P', '-');
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(fragments).map((a) => a.join(''))), (text) => {
      const p = parseVerifierLog(text);
      expect(p.lines).toBeGreaterThanOrEqual(p.unknown.length);
    }), { numRuns: 2000 });
  });

  it('parse(render(events)) == events for generated canonical logs', () => {
    fc.assert(fc.property(arbLog, (events) => {
      const back = parseVerifierLog(renderLog(events));
      expect(back.unknown).toEqual([]);
      expect(back.events).toEqual(events);
    }), { numRuns: 500 });
  });


});
