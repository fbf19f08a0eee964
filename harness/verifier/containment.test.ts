import { describe, it, expect } from 'vitest';
import { generate } from '../../generators/index.ts';
import { mkInsn } from '../isa/insn.ts';
import { isLoadError, loadVmProgram, runVm } from '../vm/index.ts';
import { checkContainment } from './containment.ts';
import { verify } from './index.ts';

describe('model states contain the VM traces', () => {
  it('flags a concrete value outside the abstract state (the oracle can fail)', () => {
    const prog = { progType: 'socket_filter' as const, maps: [], insns: [mkInsn(0xb7, 0, 0, 0, 7), mkInsn(0x95, 0, 0, 0, 0)] };
    const r = verify(prog, { statesAt: true, containmentPruning: true });
    const step = (v: bigint) => ({ slot: 1, frame: 0, regs: [v, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
      regKinds: [...new Array(10).fill(undefined), { kind: 'stack', label: 'stack of frame 0', off: 512 }] });
    expect(checkContainment(r.statesAt!, r.liveRegs!, [step(7n)])).toBeUndefined();
    expect(checkContainment(r.statesAt!, r.liveRegs!, [step(8n)])?.reg).toBe(0);
  });

  it('for 5,000 generated programs the model accepts: 0 violations', () => {
    let accepted = 0;
    let checked = 0;
    let violations = 0;
    let vmFaults = 0;
    const first: string[] = [];
    for (let i = 0; accepted < 5000 && i < 20000; i++) {
      const g = generate('containment', i);
      const r = verify(g.program);
      if (r.verdict !== 'accept') continue;
      accepted++;
      const full = verify(g.program, { statesAt: true, containmentPruning: true });
      const vp = loadVmProgram(g.program);
      if (full.verdict !== 'accept' || isLoadError(vp)) continue;
      const run = runVm(vp, { trace: true, uninitStackOk: true });
      if (run.kind === 'fault') { vmFaults++; if (first.length < 5) first.push(`#${i} ${g.family}: VM fault ${run.fault.message}`); continue; }
      checked++;
      const v = checkContainment(full.statesAt!, full.liveRegs!, run.trace!);
      if (v) { violations++; if (first.length < 5) first.push(`#${i} ${g.family}: ${JSON.stringify(v)}`); }
    }
    console.log(`containment: ${accepted} accepted, ${checked} traced and checked, ${violations} violations, ${vmFaults} VM faults\n${first.join('\n')}`);
    expect(accepted).toBe(5000);
    expect(checked).toBeGreaterThan(4900);
    expect(violations).toBe(0);
    expect(vmFaults).toBe(0);
  }, 900_000);
});
