/**
 * The safety gate before BPF_PROG_TEST_RUN in the host kernel (design.md): a program may run
 * there only after the kernel verifier accepted it AND our sanitizing VM ran it cleanly on the
 * same input. This module asks the VM (harness/vm/, engineer B).
 *
 * Invariant: when the VM is absent or reports any fault, the gate is closed (`clean: false`), so
 * callers omit the kernel run; the gate never opens by default.
 */
import type { Program } from '../isa/program.ts';
import type { RunInput } from '../targets.ts';

export type GateVerdict = { readonly clean: true; readonly r0: bigint } | { readonly clean: false; readonly reason: string };
export type VmGate = (program: Program, input: RunInput) => GateVerdict;

/** The gate, or undefined with the reason when the VM is not available in this tree. */
export async function loadVmGate(): Promise<{ gate?: VmGate; reason?: string }> {
  return { reason: 'the sanitizing VM (harness/vm/index.ts runVm) is not available yet' };
}
