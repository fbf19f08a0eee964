/**
 * Vitest gating for tests that need the live kernel: `describeKernel(name, fn)` skips the suite
 * with the capability reason when bpf() is unusable, and FAILS instead when
 * VERIFUZZ_REQUIRE_KERNEL=1 (CI machines that must have the kernel target).
 */
import { describe, it } from 'vitest';
import { kernelOrSkip } from './capability.ts';

export const requireKernelInTests = (): boolean => process.env.VERIFUZZ_REQUIRE_KERNEL === '1';

/** True when kernel tests should be skipped (and logs why once per call). */
export function skipKernelTests(): boolean {
  const k = kernelOrSkip();
  if (k.available || requireKernelInTests()) return false;
  console.warn(`SKIP kernel tests: ${k.reason}`);
  return true;
}

/** describe() for live-kernel suites; see the module comment. */
export function describeKernel(name: string, fn: () => void): void {
  const k = kernelOrSkip();
  if (!k.available && requireKernelInTests()) {
    describe(name, () => {
      it('needs the kernel target (VERIFUZZ_REQUIRE_KERNEL=1)', () => {
        throw new Error(`kernel target unavailable: ${k.reason}`);
      });
    });
    return;
  }
  describe.skipIf(skipKernelTests())(name, fn);
}
