import { describe, it, expect } from 'vitest';
import { constBounds, type LogEvent, type RegState, type VerifierState } from './state/log-state.ts';
import { alignmentSpaces, renderLog, renderReg, renderState, scalarRangesText, snum, unum } from './log.ts';

// Expected strings are written by hand from kernel/bpf/log.c and the logs in kernel-facts.md.

describe('numbers', () => {
  it('prints small values in decimal and the rest as %#llx', () => {
    expect([snum(0n), snum(-1n), snum(32767n), snum(32768n), snum(-32768n), snum(-32769n)])
      .toEqual(['0', '-1', '32767', '0x8000', '-32768', '0xffffffffffff7fff']);
    expect([unum(65535n), unum(65536n), unum(0xffffffffn)]).toEqual(['65535', '0x10000', '0xffffffff']);
  });
});

describe('scalarRangesText', () => {
  it('merges equal bounds of the same sign in the kernel order', () => {
    expect(scalarRangesText({ smin: 0n, smax: 100n, umax: 100n, smin32: 0n, smax32: 100n, umax32: 100n }))
      .toEqual(['smin=smin32=0', 'smax=umax=smax32=umax32=100']);
    expect(scalarRangesText({ smin: 101n, umin: 101n, umin32: 101n, smax: 0xffffffffn, umax: 0xffffffffn }))
      .toEqual(['smin=umin=umin32=101', 'smax=umax=0xffffffff']);
  });

  it('does not merge a negative signed bound with an unsigned one', () => {
    expect(scalarRangesText({ smin: -1n, umin: 0xffffffffffffffffn })).toEqual(['smin=-1', 'umin=0xffffffffffffffff']);
  });

  it('prints a large negative 32-bit bound as its u32 pattern', () => {
    expect(scalarRangesText({ smin32: -100000n })).toEqual(['smin32=0xfffe7960']);
    expect(scalarRangesText({ smin: 0xfffe7960n, smin32: -100000n })).toEqual(['smin=smin32=0xfffe7960']);
  });

  it('omits default bounds', () => {
    expect(scalarRangesText({})).toEqual([]);
    expect(scalarRangesText({ smin: -(1n << 63n), umax: (1n << 64n) - 1n })).toEqual([]);
  });
});

describe('renderReg', () => {
  const cases: [RegState, string][] = [
    [{ type: 'scalar' }, 'scalar()'],
    [{ type: 'scalar', bounds: constBounds(123n) }, '123'],
    [{ type: 'scalar', precise: true, bounds: constBounds(-1n) }, 'P-1'],
    [{ type: 'scalar', bounds: constBounds(0x3d094n) }, '0x3d094'],
    [{ type: 'scalar', bounds: { smin: 0n, smax: 0xffffffffn, umax: 0xffffffffn, varOff: { value: 0n, mask: 0xffffffffn } } },
      'scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))'],
    [{ type: 'scalar', id: 2, addConst: true, off: -4, bounds: { umax: 7n, varOff: { value: 0n, mask: 7n } } },
      'scalar(id=2-4,umax=7,var_off=(0x0; 0x7))'],
    [{ type: 'ctx' }, 'ctx()'],
    [{ type: 'fp', off: 0 }, 'fp0'],
    [{ type: 'fp', off: -8 }, 'fp-8'],
    [{ type: 'fp', off: -8, frameno: 0 }, 'fp-8'], // the printing frame's own stack: no [0]
    [{ type: 'map_value', orNull: true, id: 1, keySize: 4, valueSize: 8 }, 'map_value_or_null(id=1,ks=4,vs=8)'],
    [{ type: 'map_ptr', mapName: 'vf_map0', keySize: 4, valueSize: 8 }, 'map_ptr(map=vf_map0,ks=4,vs=8)'],
    [{ type: 'pkt', off: 64, range: -2 }, 'pkt(off=64,r=0xfffffffffffffffe)'],
    [{ type: 'pkt_end' }, 'pkt_end()'],
    [{ type: 'mem', flags: ['ringbuf_', 'rdonly_'], refObjId: 2, memSize: 8 }, 'rdonly_ringbuf_mem(ref_obj_id=2,sz=8)'],
    [{ type: 'ptr_task_struct', orNull: true, flags: ['trusted_'], id: 3 }, 'trusted_ptr_or_null_task_struct(id=3)'],
    [{ type: 'map_value', keySize: 8, valueSize: 48, bounds: constBounds(16n) }, 'map_value(ks=8,vs=48,imm=16)'],
    [{ type: 'arena' }, 'arena'],
  ];
  it.each(cases.map(([reg, text]) => [text, reg] as const))('prints %s', (text, reg) => expect(renderReg(reg)).toBe(text));

  it('prints the frame of a stack pointer into another frame', () => {
    expect(renderReg({ type: 'fp', off: -8, frameno: 0 }, 1)).toBe('fp[0]-8');
  });
});

describe('renderState', () => {
  it('prints registers by number, then slots, refs and callback marks', () => {
    const s: VerifierState = {
      frames: [{
        frameno: 1,
        regs: new Map<number, RegState>([[10, { type: 'fp', off: 0 }], [1, { type: 'fp', off: -8, frameno: 0 }]]),
        stack: [
          { off: -8, bytes: '0000????' },
          { off: -16, spilled: { type: 'scalar', bounds: constBounds(5n) }, bytes: '????rrrr' },
          { off: -24, spilled: { type: 'ctx' } },
        ],
        inCallbackFn: true,
      }],
      refs: [2, 4],
    };
    expect(renderState(s)).toBe(' frame1: R1=fp[0]-8 R10=fp0 fp-8=0000???? fp-16=????5 fp-24=ctx() refs=2,4 cb');
  });
});

describe('renderLog', () => {
  it('aligns the after-state of an insn as vlog_alignment does', () => {
    expect(alignmentSpaces('0: (61) r6 = *(u32 *)(r1 +0)'.length)).toBe(10);
    const events: LogEvent[] = [
      { kind: 'func', funcId: 0, pc: 0 },
      { kind: 'note', text: 'Live regs before insn:' },
      { kind: 'live_regs', pc: 0, live: [1], code: 0x61, text: 'r6 = *(u32 *)(r1 +0)' },
      { kind: 'live_regs', pc: 12, live: [0], code: 0x95, text: 'exit', scc: 2 },
      { kind: 'state', pc: 0, state: { frames: [{ frameno: 0, regs: new Map([[1, { type: 'ctx' }], [10, { type: 'fp', off: 0 }]]), stack: [] }] } },
      {
        kind: 'insn', pc: 0, code: 0x61, text: 'r6 = *(u32 *)(r1 +0)',
        after: { frames: [{ frameno: 0, regs: new Map([[1, { type: 'ctx' }], [6, { type: 'scalar', bounds: { smin: 0n, smax: 0xffffffffn, umax: 0xffffffffn, varOff: { value: 0n, mask: 0xffffffffn } } }]]), stack: [] }] },
      },
      { kind: 'insn', pc: 3, code: 0x18, text: 'r1 = 0xffff888117b60400' },
      { kind: 'branch', from: 8, to: 11, state: { frames: [{ frameno: 0, regs: new Map([[0, { type: 'scalar', bounds: constBounds(1n) }]]), stack: [] }] } },
      { kind: 'safe', pc: 11 },
      { kind: 'safe', pc: 14, from: 7, speculative: true },
      { kind: 'error', text: "R0 invalid mem access 'map_value_or_null'" },
      { kind: 'stats', processed: 13, limit: 1000000, maxStatesPerInsn: 0, totalStates: 1, peakStates: 1, markRead: 0, verificationTimeUsec: 70, stackDepth: [8, 0] },
    ];
    expect(renderLog(events)).toBe([
      'func#0 @0',
      'Live regs before insn:',
      '      0: .1........ (61) r6 = *(u32 *)(r1 +0)',
      '  2  12: 0......... (95) exit',
      '0: R1=ctx() R10=fp0',
      '0: (61) r6 = *(u32 *)(r1 +0)          ; R1=ctx() R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
      '3: (18) r1 = 0xffff888117b60400',
      '',
      'from 8 to 11: R0=1',
      '11: safe',
      '',
      'from 7 to 14 (speculative execution): safe',
      "R0 invalid mem access 'map_value_or_null'",
      'verification time 70 usec',
      'stack depth 8+0',
      'processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0',
      '',
    ].join('\n'));
  });

  it('continues the insn line for the level-1 glued forms', () => {
    const events: LogEvent[] = [
      { kind: 'insn', pc: 8, code: 0x35, text: 'if r1 >= 0xa goto pc+1' },
      { kind: 'state', pc: 10, sameLine: true, state: { frames: [{ frameno: 0, regs: new Map([[1, { type: 'scalar' }]]), stack: [] }] } },
      { kind: 'insn', pc: 3, code: 0x15, text: 'if r0 == 0x0 goto pc-3' },
      { kind: 'error', text: 'infinite loop detected at insn 1', sameLine: true },
    ];
    expect(renderLog(events)).toBe('8: (35) if r1 >= 0xa goto pc+1 10: R1=scalar()\n3: (15) if r0 == 0x0 goto pc-3 infinite loop detected at insn 1\n');
  });

  it('renders nothing for no events', () => expect(renderLog([])).toBe(''));
});
