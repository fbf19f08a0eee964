/**
 * Replay: run a stored entry again through the current model, kernel and VM, and compare with
 * the expectations it stores. A regression is an expectation that no longer holds (a verdict,
 * an error text, a retval, the VM's r0 or fault), or a finding marked fixed that reproduces again.
 * Expectations for another kernel release are not compared (they are reported as such).
 */
import type { LoadedEntry } from './store.ts';
import type { VerifierExpectation } from './entry.gen.ts';
import type { VerifyResult } from '../harness/targets.ts';
import { examine, type Examined, type Targets } from '../harness/campaign/pipeline.ts';
import { bucketKey } from '../oracles/finding.ts';
import { hex64 } from '../oracles/observation.ts';

export interface Check {
  /** 'model verdict', 'kernel error', 'vm r0', 'finding' ... */
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

export interface ReplayCase {
  readonly file: string;
  readonly title: string;
  readonly status: string;
  readonly checks: readonly Check[];
  /** For findings: does the stored bucket come out of the pipeline again? */
  readonly reproduces?: boolean;
  /** Notes that are not failures (no expectation for this kernel release, target absent). */
  readonly notes: readonly string[];
  readonly regression: boolean;
}

function verifierChecks(name: string, exp: VerifierExpectation | undefined, got: VerifyResult | undefined, retval: number | undefined): Check[] {
  if (!exp || !got) return [];
  const out: Check[] = [{ what: `${name} verdict`, expected: exp.verdict, actual: got.verdict, ok: exp.verdict === got.verdict }];
  if (exp.error !== undefined) out.push({ what: `${name} error`, expected: exp.error, actual: got.error ?? '', ok: exp.error === (got.error ?? '') });
  if (exp.retval !== undefined && retval !== undefined) {
    out.push({ what: `${name} retval`, expected: String(exp.retval), actual: String(retval), ok: exp.retval === retval });
  }
  return out;
}

function vmChecks(le: LoadedEntry, ex: Examined): Check[] {
  const exp = le.entry.expectations.vm;
  const vm = ex.observation.vm;
  if (!exp || !vm) return [];
  const actual = vm.kind === 'ok' ? `r0=${hex64(vm.r0)}` : `fault=${vm.fault.kind}: ${vm.fault.message}`;
  if (exp.r0 !== undefined) return [{ what: 'vm r0', expected: `r0=${exp.r0}`, actual, ok: actual === `r0=${exp.r0}` }];
  if (exp.fault !== undefined) return [{ what: 'vm fault', expected: `fault=${exp.fault}`, actual, ok: actual === `fault=${exp.fault}` }];
  return [];
}

export function replayEntry(le: LoadedEntry, targets: Targets, kernelRelease: string | undefined): ReplayCase {
  const ex = examine(le.program, targets, { containment: true });
  const { entry } = le;
  const notes: string[] = [];
  const kernelExp = kernelRelease ? entry.expectations.kernel?.[kernelRelease] : undefined;
  if (targets.kernel && entry.expectations.kernel && !kernelExp) {
    notes.push(`no kernel expectation for ${kernelRelease} (has ${Object.keys(entry.expectations.kernel).join(', ')})`);
  }
  if (!targets.model && entry.expectations.model) notes.push('model not compared (target unavailable)');
  if (!targets.kernel && entry.expectations.kernel) notes.push('kernel not compared (target unavailable)');
  const checks = [
    ...verifierChecks('model', entry.expectations.model, ex.observation.model, undefined),
    ...verifierChecks('kernel', kernelExp, ex.observation.kernel, ex.observation.kernelRun?.retval),
    ...vmChecks(le, ex),
  ];
  let reproduces: boolean | undefined;
  if (entry.bucket) {
    reproduces = ex.findings.some((f) => bucketKey(f) === entry.bucket!.key);
    if (entry.status === 'fixed') checks.push({ what: 'finding', expected: 'fixed', actual: reproduces ? 'reproduces' : 'fixed', ok: !reproduces });
  }
  return {
    file: le.file, title: entry.title ?? entry.finding?.evidence.message ?? entry.provenance.generator,
    status: entry.status, checks, notes, regression: checks.some((c) => !c.ok),
    ...(reproduces !== undefined ? { reproduces } : {}),
  };
}
