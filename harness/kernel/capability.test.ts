import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { errnoName, kernelCapability, kernelOrSkip } from './capability.ts';
import { describeKernel } from './testing.ts';

describe('capability', () => {
  it('reports the kernel release and a reason exactly when unavailable', () => {
    const c = kernelCapability();
    expect(c.release).toMatch(/^\d+\.\d+/);
    expect(c.available).toBe(c.reason === undefined);
    expect(kernelOrSkip()).toEqual({ available: c.available, reason: c.reason ?? '' });
  });

  it('names errnos', () => {
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(13)).toBe('EACCES');
    expect(errnoName(9999)).toBe('errno 9999');
  });

  it('VERIFUZZ_DISABLE_KERNEL=1 makes it unavailable with that reason (fresh process)', () => {
    const code = "import('./harness/kernel/capability.ts').then(m => console.log(JSON.stringify(m.kernelOrSkip())))";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', env: { ...process.env, VERIFUZZ_DISABLE_KERNEL: '1' } });
    expect(JSON.parse(r.stdout)).toEqual({ available: false, reason: 'the kernel target is disabled (VERIFUZZ_DISABLE_KERNEL=1)' });
  });
});

describeKernel('capability on a machine with bpf()', () => {
  it('the probe load succeeded', () => {
    expect(kernelCapability().available).toBe(true);
  });
});
