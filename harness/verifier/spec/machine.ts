/**
 * Facts of the machine the kernel verifier runs on that change verification results:
 * nr_cpu_ids bounds bpf_get_smp_processor_id()'s return value.
 */
import { readFileSync } from 'node:fs';

let cached: number | undefined;

/** The number of possible CPUs (/sys/devices/system/cpu/possible, e.g. "0-1" -> 2); 1 if unknown. */
export function nrCpuIds(): number {
  if (cached !== undefined) return cached;
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const last = text.split(',').pop()!;
    const hi = Number(last.split('-').pop());
    cached = Number.isFinite(hi) ? hi + 1 : 1;
  } catch {
    cached = 1;
  }
  return cached;
}
