/**
 * The safety gate before BPF_PROG_TEST_RUN in the host kernel (design.md): a program may run
 * there only after the kernel verifier accepted it AND our sanitizing VM (harness/vm/) ran it
 * cleanly on the same input.
 *
 * Invariant: the gate opens only on a VM result of kind 'ok'; a VM load error or any fault
 * (including running out of the instruction budget) keeps it closed, so callers omit the
 * kernel run. The VM runs with its strictest settings (uninitialised stack reads fault).
 * DIVERGENCE: helpers with kernel-side randomness (bpf_get_prandom_u32) take the VM's seeded
 * values, so the kernel may take another path than the one the VM checked.
 */
import type { Program } from '../isa/program.ts';
import type { RunInput } from '../targets.ts';
import { isLoadError, loadVmProgram, runVm } from '../vm/index.ts';

export type GateVerdict = { readonly clean: true; readonly r0: bigint } | { readonly clean: false; readonly reason: string };
export type VmGate = (program: Program, input: RunInput) => GateVerdict;

export const vmGate: VmGate = (program, input) => {
  const vp = loadVmProgram(program);
  if (isLoadError(vp)) return { clean: false, reason: `VM load: ${vp.message}` };
  const r = runVm(vp, { ...(input.data ? { packet: input.data } : {}), ...(input.ctx ? { ctx: input.ctx } : {}) });
  if (r.kind !== 'ok') return { clean: false, reason: `VM fault: ${r.fault.message}` };
  return { clean: true, r0: r.r0 };
};

/** The gate (kept async so callers need not change if the VM becomes optional again). */
export async function loadVmGate(): Promise<{ gate?: VmGate; reason?: string }> {
  return { gate: vmGate };
}
