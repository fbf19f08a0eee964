/**
 * The kernel state-containment oracle against the live kernel: on every corpus program and a few
 * hundred generated ones that the kernel accepts and the VM runs cleanly, the kernel's logged
 * states must hold the VM's concrete run (0 findings on a correct kernel); a wrong state planted
 * in a real log must be caught. Only the verifier and our VM run here, never BPF_PROG_TEST_RUN.
 */
import { it, expect } from 'vitest';
import { mkInsn, type Insn } from '../harness/isa/insn.ts';
import type { Program } from '../harness/isa/program.ts';
import { describeKernel } from '../harness/kernel/testing.ts';
import { createKernelTarget, type KernelTarget } from '../harness/kernel/target.ts';
import { parseVerifierLog } from '../harness/kernel/log/parse.ts';
import { isLoadError, loadVmProgram, runVm } from '../harness/vm/index.ts';
import { standardInput } from '../harness/campaign/pipeline.ts';
import { TRACE_LIMIT } from './observation.ts';
import { loadCorpus } from '../corpus/store.ts';
import { generate } from '../generators/index.ts';
import type { Observation } from './observation.ts';
import { judgeKernelContainment, kernelStateContainment } from './kernel-state-containment.ts';
import { MASK_PROGRAM } from './kernel-state-fixtures.ts';

const GENERATED = 300;
const ENTRIES_DIR = new URL('../corpus/entries/', import.meta.url).pathname;

let target: KernelTarget | undefined;
const kernel = (): KernelTarget => (target ??= createKernelTarget({ parseLog: (l) => parseVerifierLog(l).events }));

/** The observation of `p` (kernel level-2 log + traced VM run), when both accept and run cleanly. */
function observe(p: Program, editLog?: (log: string) => string): Observation | undefined {
  const k = kernel().verify(p, { logLevel: 2 });
  if (k.verdict !== 'accept' || k.log === undefined) return undefined;
  const vp = loadVmProgram(p);
  if (isLoadError(vp)) return undefined;
  const input = standardInput(p);
  const vm = runVm(vp, { ...input, trace: true, budget: TRACE_LIMIT });
  if (vm.kind !== 'ok') return undefined;
  const log = editLog ? editLog(k.log) : k.log;
  return { program: p, input, kernel: k, vm, kernelStates: parseVerifierLog(log).events };
}


describeKernel('kernel state containment on the live kernel', () => {
  it('the corpus and generated programs stay inside the kernel\'s logged states', () => {
    const programs: [string, Program][] = loadCorpus(ENTRIES_DIR).entries.map((e) => [e.file, e.program]);
    for (let i = 0; i < GENERATED; i++) programs.push([`generated kcont/${i}`, generate('kcont', i).program]);
    let judged = 0;
    let steps = 0;
    const stops: Record<string, number> = {};
    const findings: string[] = [];
    for (const [name, p] of programs) {
      const obs = observe(p);
      const r = obs && judgeKernelContainment(obs);
      if (!obs || !r) continue;
      judged++;
      steps += r.checked;
      stops[r.stop] = (stops[r.stop] ?? 0) + 1;
      for (const f of kernelStateContainment(obs)) findings.push(`${name}: ${f.evidence.message}`);
    }
    console.log(`kernel state containment: ${programs.length} programs, ${judged} judged (kernel accept + VM ok), `
      + `${steps} steps checked, stops ${JSON.stringify(stops)}, ${findings.length} findings`);
    expect(findings).toEqual([]);
    expect(judged).toBeGreaterThan(0);
    expect(steps).toBeGreaterThan(0);
  });

  it('the real log of a masking program holds its run at every step', () => {
    const obs = observe(MASK_PROGRAM)!;
    expect(obs).toBeDefined();
    expect(judgeKernelContainment(obs)).toEqual({ checked: 6, stop: 'end' });
    expect(kernelStateContainment(obs)).toEqual([]);
  });

  it('a planted wrong var_off in the real log is caught at the instruction that produced it', () => {
    const edit = (log: string): string => {
      expect(log).toContain('var_off=(0x1; 0xf0)');
      return log.replace('var_off=(0x1; 0xf0)', 'var_off=(0x0; 0xf0)');
    };
    const f = kernelStateContainment(observe(MASK_PROGRAM, edit)!);
    expect(f).toHaveLength(1);
    expect(f[0]!.target).toBe('kernel');
    expect(f[0]!.evidence.pc).toBe(3);
    expect(f[0]!.evidence.abstract).toContain('R6=scalar(');
    expect(f[0]!.evidence.message).toContain('(var_off;');
  });

  it('a planted wrong constant in the real log is caught', () => {
    const edit = (log: string): string => {
      expect(log).toMatch(/^4: \(b7\) r0 = 0 +; R0=0$/m);
      return log.replace(/^(4: \(b7\) r0 = 0 +; R0=)0$/m, '$11');
    };
    const f = kernelStateContainment(observe(MASK_PROGRAM, edit)!);
    expect(f).toHaveLength(1);
    expect(f[0]!.evidence.pc).toBe(4);
    expect(f[0]!.evidence.abstract).toBe('R0=1');
    expect(f[0]!.evidence.concrete?.r0).toBe('0x0');
  });
});
