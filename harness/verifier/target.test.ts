import { describe, it, expect } from 'vitest';
import { mkInsn } from '../isa/insn.ts';
import { getTarget } from '../targets.ts';

const prog = { progType: 'socket_filter' as const, maps: [], insns: [mkInsn(0xb7, 0, 0, 0, 42), mkInsn(0x95, 0, 0, 0, 0)] };

describe('the model as a Target', () => {
  it('is wired into harness/targets.ts and verifies with a kernel-format log', async () => {
    const t = await getTarget('model');
    const r = t.verify(prog, { logLevel: 2 });
    expect(r.target).toBe('model');
    expect(r.verdict).toBe('accept');
    expect(r.stats.insnsProcessed).toBe(2);
    expect(r.log).toContain('0: (b7) r0 = 42');
    expect(r.log).toContain('processed 2 insns (limit 1000000)');
  });

  it('reports the kernel text and states on request', async () => {
    const t = await getTarget('model');
    const bad = { ...prog, insns: [mkInsn(0x95, 0, 0, 0, 0)] };
    const r = t.verify(bad, { states: true });
    expect(r.verdict).toBe('reject');
    expect(r.error).toBe('R0 !read_ok');
    expect(r.events?.some((e) => e.kind === 'error')).toBe(true);
    expect(r.checkTrace).toBeUndefined(); // only accepted programs get a containment check
  });

  it('checks concrete traces against its states on request', async () => {
    const t = await getTarget('model');
    const r = t.verify(prog, { containment: true });
    const step = (slot: number, r0: bigint) => ({ slot, frame: 0, regs: [r0, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
      regKinds: [...new Array(10).fill(undefined), { kind: 'stack', label: 'stack of frame 0', off: 512 }] });
    // the run's path from the entry: r0 = 42 is known exactly before the exit
    expect(r.checkTrace?.([step(0, 0n), step(1, 42n)])).toBeUndefined();
    expect(r.checkTrace?.([step(0, 0n), step(1, 41n)])).toMatchObject({ slot: 1, reg: 0 });
  });

  it('runs accepted programs in the VM', async () => {
    const t = await getTarget('model');
    expect(t.run(prog).retval).toBe(42);
  });
});
