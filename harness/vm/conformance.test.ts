/**
 * bpf_conformance on the VM: every program of ../shared/conformance/bpf-conformance.jsonl gives
 * the expected 64-bit r0 and every negative program is refused at load; the `.data` directory
 * mode reads files written at test time (from the jsonl's asm / mem / expect) into a temp dir.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { conformancePath } from '../testing/conformance.ts';
import { casesFromDir, casesFromJsonl, runConformance } from './conformance.ts';

const file = conformancePath('bpf-conformance.jsonl');

describe.skipIf(!file)('bpf-conformance.jsonl on the VM', () => {
  it('passes 313 of 313 programs and refuses all 45 negative ones', () => {
    const cases = casesFromJsonl(readFileSync(file!, 'utf8'), file!);
    const s = runConformance(cases);
    const pos = s.outcomes.filter((_, i) => cases[i]!.expect !== 'reject');
    const neg = s.outcomes.filter((_, i) => cases[i]!.expect === 'reject');
    console.log(`bpf-conformance: ${pos.filter((o) => o.pass).length}/${pos.length} programs give the expected r0, `
      + `${neg.filter((o) => o.pass).length}/${neg.length} negative programs refused`);
    for (const o of s.outcomes.filter((x) => !x.pass)) console.log(`  FAIL ${o.name}: ${o.detail}`);
    expect(pos.length).toBe(313);
    expect(neg.length).toBe(45);
    expect(s.failed).toBe(0);
  });

  it('runs a directory of .data files (written from the jsonl at test time)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verifuzz-conf-'));
    try {
      const recs = readFileSync(file!, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as {
        name: string; asm: string | null; mem_hex: string; expect: { r0?: string } })
        .filter((r) => r.asm && ['add', 'lddw', 'call_local', 'lock_cmpxchg', 'ldxh', 'jeq32-imm', 'sdiv64-by-zero-reg'].includes(r.name));
      expect(recs.length).toBeGreaterThanOrEqual(6);
      for (const r of recs) {
        const mem = r.mem_hex ? `-- mem\n${r.mem_hex.match(/../g)!.join(' ')}\n` : '';
        writeFileSync(path.join(dir, `${r.name}.data`), `# written by a test\n-- asm\n${r.asm}${mem}-- result\n${r.expect.r0}\n`);
      }
      writeFileSync(path.join(dir, 'wrong-result.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n');
      writeFileSync(path.join(dir, 'must-reject.data'), '-- raw\n9500000000000001\n-- error\n\n');
      const s = runConformance(casesFromDir(dir));
      console.log(`bpf-conformance .data dir: ${s.passed} passed, ${s.failed} failed (1 failure planted)`);
      expect(s.passed).toBe(recs.length + 1);
      expect(s.outcomes.find((o) => o.name === 'wrong-result')).toMatchObject({ pass: false, detail: 'r0 = 0x1, expected 0x2' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
