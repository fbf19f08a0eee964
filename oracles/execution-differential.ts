/**
 * Execution differential: when our VM ran a program cleanly and the kernel ran it too, do they
 * agree on r0 and on the packet? The kernel's test_run reports r0 as a u32, so only the low 32
 * bits are compared. The VM is the party held to the kernel here (target 'vm'); a triage may
 * show a JIT bug instead. Programs that call a nondeterministic helper are not compared, nor is an
 * r0 that holds a pointer (privileged programs may return one: its bits are an address, ours in
 * the VM's encoding, the kernel's real one).
 *
 * A value computed from a pointer's bits (data_end's low byte stored into the packet, a branch on
 * the low half of xdp's data pointer) differs between the VM and the kernel by construction. When
 * r0 or the packet differs, a taint analysis of the VM's trace (pointer-taint.ts) decides whether
 * that output depends on pointer bits; if it does, that output is not compared.
 */
import type { Finding } from './finding.ts';
import { type Observation, hex64, TRACE_LIMIT } from './observation.ts';
import type { Program } from '../harness/isa/program.ts';
import { helperId } from '../harness/isa/helpers.ts';
import { BPF_CALL, BPF_JMP } from '../harness/isa/opcodes.ts';
import { decodePtr, isLoadError, loadVmProgram, runVm, type TraceEntry } from '../harness/vm/index.ts';
import { type PointerDependence, pointerDependence } from './pointer-taint.ts';

/**
 * Helpers whose result differs between two runs or two machines (random numbers, clocks, the CPU,
 * the current task). A program that calls one is not compared: its r0 may legitimately differ.
 */
export const NONDETERMINISTIC_HELPERS: ReadonlySet<number> = new Set(
  ['get_prandom_u32', 'ktime_get_ns', 'ktime_get_boot_ns', 'ktime_get_coarse_ns', 'ktime_get_tai_ns', 'jiffies64',
    'get_smp_processor_id', 'get_numa_node_id', 'get_current_pid_tgid', 'get_current_uid_gid', 'get_current_comm',
    'get_current_task', 'get_current_task_btf', 'get_current_cgroup_id', 'get_func_ip', 'ringbuf_query', 'user_ringbuf_drain']
    .map((n) => helperId(n)).filter((id): id is number => id !== undefined),
);

/** Does the program call a helper whose result is not reproducible? */
export function callsNondeterministicHelper(p: Program): boolean {
  return p.insns.some((i) => i.code === (BPF_JMP | BPF_CALL) && i.src === 0 && NONDETERMINISTIC_HELPERS.has(i.imm));
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return undefined;
}

/** The VM's trace of the whole run: the observation's when it is complete, else a new traced run. */
function fullTrace(obs: Observation): readonly TraceEntry[] | undefined {
  const vm = obs.vm!;
  if (vm.trace && vm.trace.length === vm.insnCount) return vm.trace;
  const vp = loadVmProgram(obs.program);
  if (isLoadError(vp)) return undefined;
  const r = runVm(vp, { ...obs.input, trace: true, budget: TRACE_LIMIT });
  return r.kind === 'ok' ? r.trace : undefined;
}

/** Pointer dependence of the VM's run, computed once and only when an output differs. */
function dependenceOf(obs: Observation): () => PointerDependence | undefined {
  let done = false;
  let dep: PointerDependence | undefined;
  return () => {
    if (!done) {
      done = true;
      const trace = fullTrace(obs);
      const d = trace && pointerDependence(obs.program.insns, trace);
      dep = d?.complete ? d : undefined;
    }
    return dep;
  };
}

export function executionDifferential(obs: Observation): Finding[] {
  const vm = obs.vm;
  const k = obs.kernelRun;
  if (!vm || vm.kind !== 'ok' || !k || k.retval === undefined || k.error) return [];
  if (callsNondeterministicHelper(obs.program)) return [];
  const vmLow = Number(BigInt.asUintN(32, vm.r0));
  const dependence = dependenceOf(obs);
  const findings: Finding[] = [];
  if (vmLow !== k.retval && decodePtr(vm.r0) === undefined && !dependence()?.r0) {
    findings.push({
      oracle: 'execution-differential', target: 'vm', program: obs.program,
      evidence: { message: `r0 differs: VM ${hex64(vm.r0)} (low 32 bits 0x${vmLow.toString(16)}), kernel 0x${k.retval.toString(16)}` },
    });
  }
  if (vm.packetOut && k.dataOut) {
    const at = firstDifference(vm.packetOut, k.dataOut);
    if (at !== undefined && !dependence()?.packet) {
      findings.push({
        oracle: 'execution-differential', target: 'vm', program: obs.program,
        evidence: { message: `packet differs from byte ${at}: VM ${vm.packetOut[at] ?? 'end'}, kernel ${k.dataOut[at] ?? 'end'}` },
      });
    }
  }
  return findings;
}
