/**
 * Execution differential: when our VM ran a program cleanly and the kernel ran it too, do they
 * agree on r0 and on the packet? The kernel's test_run reports r0 as a u32, so only the low 32
 * bits are compared. The VM is the party held to the kernel here (target 'vm'); a triage may
 * show a JIT bug instead.
 */
import type { Finding } from './finding.ts';
import { type Observation, hex64 } from './observation.ts';

function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return undefined;
}

export function executionDifferential(obs: Observation): Finding[] {
  const vm = obs.vm;
  const k = obs.kernelRun;
  if (!vm || vm.kind !== 'ok' || !k || k.retval === undefined || k.error) return [];
  const vmLow = Number(BigInt.asUintN(32, vm.r0));
  const findings: Finding[] = [];
  if (vmLow !== k.retval) {
    findings.push({
      oracle: 'execution-differential', target: 'vm', program: obs.program,
      evidence: { message: `r0 differs: VM ${hex64(vm.r0)} (low 32 bits 0x${vmLow.toString(16)}), kernel 0x${k.retval.toString(16)}` },
    });
  }
  if (vm.packetOut && k.dataOut) {
    const at = firstDifference(vm.packetOut, k.dataOut);
    if (at !== undefined) {
      findings.push({
        oracle: 'execution-differential', target: 'vm', program: obs.program,
        evidence: { message: `packet differs from byte ${at}: VM ${vm.packetOut[at] ?? 'end'}, kernel ${k.dataOut[at] ?? 'end'}` },
      });
    }
  }
  return findings;
}
