import { describe, it, expect } from 'vitest';
import { parseVerifierLog } from '../harness/kernel/log/parse.ts';
import { rebuildKernelStates, type KernelStateAt } from './kernel-states.ts';

const FOOTER = 'processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0';
const rebuild = (lines: readonly string[]) => rebuildKernelStates(parseVerifierLog(lines.join('\n') + '\n').events);

/** Register names and printed types of a state, e.g. { R1: 'ctx', R6: 'scalar' }. */
function types(s: KernelStateAt | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  s?.regs.forEach((r, n) => {
    if (r) out[`R${n}`] = r.type;
  });
  return out;
}

// The branch + HASH map lookup log of kernel-facts.md section 5 (6.18, level 2).
const LOOKUP_LOG = [
  'func#0 @0',
  '0: R1=ctx() R10=fp0',
  '0: (61) r6 = *(u32 *)(r1 +0)          ; R1=ctx() R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
  '1: (62) *(u32 *)(r10 -4) = 0          ; R10=fp0 fp-8=0000????',
  '2: (18) r1 = 0xffff888117b60400       ; R1=map_ptr(ks=4,vs=8)',
  '4: (bf) r2 = r10                      ; R2=fp0 R10=fp0',
  '5: (07) r2 += -4                      ; R2=fp-4',
  '6: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,ks=4,vs=8)',
  '7: (15) if r0 == 0x0 goto pc+4        ; R0=map_value(ks=4,vs=8)',
  '8: (25) if r6 > 0x64 goto pc+2        ; R6=scalar(smin=smin32=0,smax=umax=smax32=umax32=100,var_off=(0x0; 0x7f))',
  '9: (79) r0 = *(u64 *)(r0 +0)          ; R0=scalar()',
  '10: (95) exit',
  '',
  'from 8 to 11: R0=map_value(ks=4,vs=8) R6=scalar(smin=umin=umin32=101,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0 fp-8=0000????',
  '11: (b7) r0 = 1                       ; R0=1',
  '12: (95) exit',
  '',
  'from 7 to 12: R0=0 R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0 fp-8=0000????',
  '12: (95) exit',
  FOOTER,
];

describe('rebuildKernelStates: one path', () => {
  const ks = rebuild(LOOKUP_LOG);

  it('starts from the printed entry state and applies each delta', () => {
    expect(ks.complete).toBe(true);
    expect(types(ks.bySlot.get(0)?.[0])).toEqual({ R1: 'ctx', R10: 'fp' });
    expect(types(ks.bySlot.get(5)?.[0])).toEqual({ R1: 'map_ptr', R2: 'fp', R6: 'scalar', R10: 'fp' });
    expect(ks.bySlot.get(5)?.[0]?.regs[2]?.off).toBe(0);
    expect(ks.bySlot.get(6)?.[0]?.regs[2]?.off).toBe(-4);
  });

  it('a helper call leaves r1-r5 unset and takes r0 from the delta', () => {
    expect(types(ks.bySlot.get(7)?.[0])).toEqual({ R0: 'map_value', R6: 'scalar', R10: 'fp' });
    expect(ks.bySlot.get(7)?.[0]?.regs[0]?.orNull).toBe(true);
  });

  it('the delta after a jump is the fall-through state', () => {
    const r6 = ks.bySlot.get(9)?.[0]?.regs[6];
    expect(r6?.bounds?.umax).toBe(100n);
    expect(r6?.bounds?.varOff).toEqual({ value: 0n, mask: 0x7fn });
  });

  it('`from X to Y:` starts a path from its full state', () => {
    expect(ks.bySlot.get(11)).toHaveLength(1);
    expect(ks.bySlot.get(11)?.[0]?.regs[6]?.bounds?.umin).toBe(101n);
    // Two paths reach 12: r0 = 1 (after insn 11) and r0 = 0 (from 7).
    const r0s = ks.bySlot.get(12)?.map((s) => s.regs[0]?.bounds?.umax);
    expect(r0s).toEqual([1n, 0n]);
    expect(ks.unfollowed.size).toBe(0);
    expect(ks.pruned.size).toBe(0);
  });
});

describe('rebuildKernelStates: what it cannot follow', () => {
  it('records prune points and marks instructions reached after a path ended as unfollowed', () => {
    const ks = rebuild([
      '0: R1=ctx() R10=fp0',
      '0: (b7) r0 = 0                        ; R0=0',
      '1: (05) goto pc+1',
      '3: safe',
      '4: (95) exit',
      '',
      'from 0 to 2: safe',
      FOOTER,
    ]);
    expect([...ks.pruned]).toEqual([3, 2]);
    expect([...ks.unfollowed]).toEqual([4]);
  });

  it('a state printed on its own line after other lines is a delta', () => {
    const ks = rebuild([
      '0: R1=ctx() R10=fp0',
      '0: (b7) r6 = 7                        ; R6=7',
      '1: (85) call bpf_get_prandom_u32#7',
      'mark_precise: frame0: last_idx 1 first_idx 0 subseq_idx -1 ',
      '2: R0=scalar()',
      '2: (95) exit',
      FOOTER,
    ]);
    expect(types(ks.bySlot.get(2)?.[0])).toEqual({ R0: 'scalar', R6: 'scalar', R10: 'fp' });
    expect(ks.bySlot.get(2)?.[0]?.regs[6]?.bounds?.smin).toBe(7n);
  });

  it('follows a bpf-to-bpf call through callee: and to caller at N:', () => {
    const ks = rebuild([
      '0: R1=ctx() R10=fp0',
      '0: (b7) r1 = 5                        ; R1=5',
      '1: (b7) r6 = 9                        ; R6=9',
      '2: (85) call pc+2',
      'caller:',
      ' R6=9 R10=fp0',
      'callee:',
      ' frame1: R1=5 R10=fp0',
      '5: frame1: R1=5 R10=fp0',
      '5: (bf) r0 = r1                       ; frame1: R0=5 R1=5',
      '6: (95) exit',
      'returning from callee:',
      ' frame1: R0=5 R1=5 R10=fp0',
      'to caller at 3:',
      ' R0=5 R6=9 R10=fp0',
      '',
      'from 6 to 3: R0=5 R6=9 R10=fp0',
      '3: (0f) r0 += r6                      ; R0=14 R6=9',
      '4: (95) exit',
      FOOTER,
    ]);
    expect(ks.bySlot.get(5)?.map((s) => s.frameno)).toEqual([1]);
    expect(types(ks.bySlot.get(5)?.[0])).toEqual({ R1: 'scalar', R10: 'fp' });
    expect(types(ks.bySlot.get(6)?.[0])).toEqual({ R0: 'scalar', R1: 'scalar', R10: 'fp' });
    expect(ks.bySlot.get(3)?.map((s) => s.frameno)).toEqual([0]);
    expect(ks.bySlot.get(4)?.[0]?.regs[0]?.bounds?.smin).toBe(14n);
    expect(ks.unfollowed.size).toBe(0);
  });

  it('a pseudo call without its callee: state, and a delta of another frame, stop following', () => {
    const ks = rebuild([
      '0: R1=ctx() R10=fp0',
      '0: (85) call pc+2',
      '3: (b7) r0 = 0                        ; frame1: R0=0',
      '',
      'from 9 to 1: R0=1 R10=fp0',
      '1: (b7) r6 = 0                        ; frame1: R6=0',
      '2: (95) exit',
      FOOTER,
    ]);
    expect([...ks.unfollowed].sort()).toEqual([2, 3]);
    expect(ks.bySlot.has(1)).toBe(true);
  });

  it('an open-coded iterator next() forgets the scalars (the kernel may widen them unprinted)', () => {
    const ks = rebuild([
      '0: R1=ctx() R10=fp0',
      '0: (b7) r6 = 3                        ; R6=3',
      '1: (bf) r1 = r10                      ; R1=fp0 R10=fp0',
      '2: (85) call bpf_iter_num_next#64263  ; R0=rdonly_mem(id=3,ref_obj_id=1,sz=4)',
      '3: (95) exit',
      FOOTER,
    ]);
    expect(types(ks.bySlot.get(2)?.[0])).toEqual({ R1: 'fp', R10: 'fp' });
  });

  it('a log without its footer, or with an error, is incomplete', () => {
    expect(rebuild(LOOKUP_LOG.slice(0, -1)).complete).toBe(false);
    expect(rebuild([...LOOKUP_LOG.slice(0, 10), 'R0 invalid mem access \'map_value_or_null\'', FOOTER]).complete).toBe(false);
  });

  it('an unparsed line stops following the path', () => {
    const ks = rebuild([
      '0: R1=ctx() R10=fp0',
      '0: (b7) r0 = 0                        ; R0=0',
      'something the parser does not know',
      '1: (95) exit',
      FOOTER,
    ]);
    expect([...ks.unfollowed]).toEqual([1]);
  });
});
