/**
 * Kernel acceptance of the generator mix, measured on the live kernel: prints the rate per family
 * and for the weighted mix. The mix aims near 50% (both verdicts are informative); the test holds
 * every family to producing both verdicts and the mix to a broad band around that aim.
 */
import { it, expect } from 'vitest';
import { FAMILIES, generate, generateFrom } from './index.ts';
import { describeKernel } from '../harness/kernel/testing.ts';
import { createKernelTarget } from '../harness/kernel/target.ts';

const PER_FAMILY = 60;
const MIX = 300;

describeKernel('generator acceptance on the live kernel', () => {
  it('every family yields accepted and rejected programs; the mix sits in a broad band around 50%', () => {
    const kernel = createKernelTarget();
    const lines: string[] = [];
    for (const f of FAMILIES) {
      let acc = 0;
      for (let i = 0; i < PER_FAMILY; i++) if (kernel.verify(generateFrom(f, 'acceptance', i)).verdict === 'accept') acc++;
      lines.push(`${f.name} ${acc}/${PER_FAMILY}`);
      expect(acc, f.name).toBeGreaterThan(0);
      expect(acc, f.name).toBeLessThan(PER_FAMILY);
    }
    let mix = 0;
    for (let i = 0; i < MIX; i++) if (kernel.verify(generate('acceptance', i).program).verdict === 'accept') mix++;
    console.log(`kernel acceptance: ${lines.join(', ')}; weighted mix ${mix}/${MIX} (${((100 * mix) / MIX).toFixed(0)}%)`);
    expect(mix / MIX).toBeGreaterThan(0.3);
    expect(mix / MIX).toBeLessThan(0.85);
  });
});
