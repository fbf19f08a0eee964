import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, conformancePath, readJsonl } from '../testing/conformance.ts';
import { type KernelVerifierRecord, describeDisagreements, runKernelVerifierSuite } from './suite.ts';

const file = conformancePath('kernel-verifier.jsonl');

describe.skipIf(!file)('kernel-verifier.jsonl through the model verifier', () => {
  it('agrees with the live 6.18 kernel on verdicts (>= 95%) and reject reasons (>= 80%)', () => {
    const rep = runKernelVerifierSuite(readJsonl<KernelVerifierRecord>(file!));
    const n = rep.cases.length;
    const verdictPct = (100 * rep.verdictAgree) / n;
    const errorPct = (100 * rep.errorAgree) / rep.bothReject;
    const excluded = [...rep.excluded].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${v} ${k}`).join('\n');
    console.log(`kernel-verifier.jsonl: ${rep.total} records, ${n} in scope\n`
      + `verdict agreement: ${rep.verdictAgree}/${n} (${verdictPct.toFixed(1)}%)\n`
      + `error line agreement (both reject): ${rep.errorAgree}/${rep.bothReject} (${errorPct.toFixed(1)}%)\n`
      + `excluded:\n${excluded}`);
    const out = path.join(REPO_ROOT, 'verifuzz-out');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'model-vs-kernel-verifier.txt'), describeDisagreements(rep));
    expect(n).toBeGreaterThan(500);
    expect(verdictPct).toBeGreaterThanOrEqual(95);
    expect(errorPct).toBeGreaterThanOrEqual(80);
  }, 900_000);
});
