import { expect, it } from 'vitest';
import { generate } from '../../generators/index.ts';
import { loadProgram } from '../kernel/load.ts';
import { describeKernel } from '../kernel/testing.ts';
import { verify } from './index.ts';

describeKernel('model verdicts against the live kernel on generated programs', () => {
  it('agree on at least 98% of 2,000 random programs', () => {
    let n = 0;
    let agree = 0;
    let unsupported = 0;
    const byFamily = new Map<string, [number, number]>();
    const firsts: string[] = [];
    for (let i = 0; n < 2000 && i < 5000; i++) {
      const g = generate('differential', i);
      const m = verify(g.program);
      if (m.unsupported) { unsupported++; continue; }
      const k = loadProgram(g.program, { bare: true });
      n++;
      const f = byFamily.get(g.family) ?? [0, 0];
      f[1]++;
      if (m.verdict === k.verdict) { agree++; f[0]++; } else if (firsts.length < 10) {
        firsts.push(`#${i} ${g.family}: kernel ${k.verdict} (${k.error ?? ''}) model ${m.verdict} (${m.error ?? ''})`);
      }
      byFamily.set(g.family, f);
    }
    const pct = (100 * agree) / n;
    console.log(`differential: ${agree}/${n} verdicts agree (${pct.toFixed(2)}%), ${unsupported} unsupported skipped\n`
      + [...byFamily].map(([k, [a, t]]) => `  ${k}: ${a}/${t}`).join('\n') + `\n${firsts.join('\n')}`);
    expect(n).toBe(2000);
    expect(pct).toBeGreaterThanOrEqual(98);
  }, 900_000);
});
