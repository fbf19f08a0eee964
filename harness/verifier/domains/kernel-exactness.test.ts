/**
 * Exactness against the live kernel: random few-instruction programs (exactness-cases.ts) are
 * loaded at log level 2; after every step the register states the kernel prints are compared
 * with the model's (smin..u32max and var_off), as are branch predictions and taken-side states.
 * Prints the agreement rate and the first disagreements; asserts at least 99% of compared states
 * agree. Needs bpf() (skips with the reason otherwise; fails under VERIFUZZ_REQUIRE_KERNEL=1).
 */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { encode } from '../../isa/codec.ts';
import { describeKernel } from '../../kernel/testing.ts';
import { progLoad, LOG_LEVEL } from '../../kernel/prog-load.ts';
import { closeFd } from '../../kernel/syscall.ts';
import { parseVerifierLog } from '../../kernel/log/parse.ts';
import { constBounds, type FullBounds, fullBounds, type LogEvent, type RegState } from '../state/log-state.ts';
import { tnumIsConst } from './tnum.ts';
import { scalarToBounds } from './scalar.ts';
import { type ExactnessCase, type Expect, randomCase } from './exactness-cases.ts';

const CASES = Number(process.env.VERIFUZZ_EXACTNESS_CASES ?? 1200);
const SEED = process.env.VERIFUZZ_SEED ?? 'd1-exactness';
const logBuf = Buffer.alloc(1 << 20);

const FIELDS = ['smin', 'smax', 'umin', 'umax', 'smin32', 'smax32', 'umin32', 'umax32'] as const;
const fmt = (b: FullBounds): string =>
  FIELDS.map((f) => `${f}=${b[f]}`).join(' ') + ` var_off=(0x${b.varOff.value.toString(16)}; 0x${b.varOff.mask.toString(16)})`;

function sameBounds(a: FullBounds, b: FullBounds): boolean {
  return FIELDS.every((f) => a[f] === b[f]) && a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask;
}

interface Tally { invariantViolations: number; compared: number; agreed: number; predicted: number; predAgreed: number; programs: number; rejected: number; disagreements: string[] }

function compare(t: Tally, c: ExactnessCase, where: string, exp: readonly Expect[], regs: ReadonlyMap<number, RegState> | undefined): void {
  for (const e of exp) {
    const k = regs?.get(e.reg);
    if (!k) continue; // not printed at this point
    t.compared++;
    const kb = fullBounds(k.type === 'scalar' ? k.bounds : undefined);
    // the kernel prints a scalar with a constant var_off as just that number, whatever its ranges
    // (they differ only after an invariant violation reset them), so compare what it can print
    const mb = tnumIsConst(e.model.varOff) ? constBounds(e.model.varOff.value) : fullBounds(scalarToBounds(e.model));
    if (k.type === 'scalar' && sameBounds(kb, mb)) { t.agreed++; continue; }
    if (t.disagreements.length < 25) {
      t.disagreements.push(`${where} R${e.reg}\n    ours:   ${fmt(mb)}\n    kernel: ${k.type === 'scalar' ? fmt(kb) : k.type}\n    program: ${programText(c)}`);
    }
  }
}

const programText = (c: ExactnessCase): string => c.checks.map((s) => `${s.slot}: ${s.text}`).join('; ');

function runCase(t: Tally, c: ExactnessCase): void {
  const r = progLoad({ progType: 1, insns: encode(c.insns), logLevel: LOG_LEVEL.LEVEL2, logBuf });
  if (r.fd >= 0) closeFd(r.fd);
  t.programs++;
  if (r.fd < 0) {
    t.rejected++;
    if (t.disagreements.length < 25) t.disagreements.push(`kernel rejected (errno ${r.errno}): ${r.log.trim().split('\n').slice(-2).join(' | ')}\n    program: ${programText(c)}`);
    return;
  }
  if (r.log.includes('REG INVARIANTS VIOLATION')) {
    t.invariantViolations++;
    if (t.disagreements.length < 25) t.disagreements.push(`kernel reported an invariant violation: ${r.log.split('\n').find((l) => l.includes('INVARIANTS'))}\n    program: ${programText(c)}`);
  }
  const events = parseVerifierLog(r.log).events;
  const after = new Map<number, ReadonlyMap<number, RegState>>();
  const branchEvents: Extract<LogEvent, { kind: 'branch' }>[] = [];
  for (const ev of events as LogEvent[]) {
    if (ev.kind === 'insn' && ev.after && !after.has(ev.pc)) after.set(ev.pc, ev.after.frames[0]!.regs); // main path first
    if (ev.kind === 'branch') branchEvents.push(ev);
  }
  const branches = mainPathBranches(branchEvents);
  for (const s of c.checks) {
    const where = `${s.slot}: ${s.text}`;
    compare(t, c, where, s.after, after.get(s.slot));
    if (!s.branch) continue;
    t.predicted++;
    const pushed = branches.has(s.slot);
    const ok = s.branch.pred === -1 ? pushed : !pushed;
    if (ok) t.predAgreed++;
    else if (t.disagreements.length < 25) t.disagreements.push(`${where}: prediction ours=${s.branch.pred}, kernel ${pushed ? 'explored both sides' : 'predicted'}\n    program: ${programText(c)}`);
    if (pushed) compare(t, c, `${where} (taken)`, s.branch.taken, branches.get(s.slot));
  }
}

/**
 * The taken-side state of each jump on the main path. A fork (maybe_fork_scalars) pushes a state
 * that resumes at the fork instruction ("from F to F"); jumps after F that show up after that pop
 * belong to the forked path, not to the main one.
 */
function mainPathBranches(evs: readonly Extract<LogEvent, { kind: 'branch' }>[]): Map<number, ReadonlyMap<number, RegState>> {
  const out = new Map<number, ReadonlyMap<number, RegState>>();
  let forkAt = Infinity; // the lowest fork slot popped so far
  for (const ev of evs) {
    if (ev.from === ev.to) { forkAt = Math.min(forkAt, ev.from); continue; }
    if (ev.from > forkAt || out.has(ev.from)) continue;
    out.set(ev.from, ev.state.frames[0]!.regs);
  }
  return out;
}

describe('kernel exactness: smoke', () => {
  it('generates cases deterministically from a seed', () => {
    const a = randomCase(seedrandom('x'));
    const b = randomCase(seedrandom('x'));
    expect(encode(a.insns)).toEqual(encode(b.insns));
    expect(a.checks.length).toBeGreaterThan(0);
  });
});

describeKernel('kernel exactness: domains vs the live 6.18 verifier', () => {
  it(`agrees on at least 99% of register states over ${CASES} random programs`, () => {
    const rng = seedrandom(SEED);
    const t: Tally = { invariantViolations: 0, compared: 0, agreed: 0, predicted: 0, predAgreed: 0, programs: 0, rejected: 0, disagreements: [] };
    for (let i = 0; i < CASES; i++) runCase(t, randomCase(rng));
    const rate = t.agreed / Math.max(1, t.compared);
    console.log(`kernel exactness (seed ${SEED}): ${t.programs} programs (${t.rejected} rejected), `
      + `${t.agreed}/${t.compared} register states agree (${(100 * rate).toFixed(2)}%), `
      + `${t.predAgreed}/${t.predicted} branch predictions agree, ${t.invariantViolations} kernel invariant violations`);
    if (t.disagreements.length) console.log(`first disagreements:\n  ${t.disagreements.join('\n  ')}`);
    expect(t.compared).toBeGreaterThan(CASES);
    expect(t.rejected).toBe(0);
    expect(rate).toBeGreaterThanOrEqual(0.99);
    expect(t.predAgreed / Math.max(1, t.predicted)).toBeGreaterThanOrEqual(0.99);
  }, 600_000);
});
