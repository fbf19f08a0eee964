/**
 * The verifier targets a job asked for, each either usable or left out with the reason (no
 * bpf() here, no model yet). Jobs degrade: they report what they left out and go on.
 */
import { UnavailableError } from '../errors.ts';
import { getTarget, type Target, type TargetName } from '../targets.ts';
import { kernelCapability } from '../kernel/capability.ts';
import { createKernelTarget } from '../kernel/target.ts';
import { parseVerifierLog } from '../kernel/log/parse.ts';
import type { Targets } from './pipeline.ts';
import type { TargetUse } from './summary.ts';

export interface Acquired {
  readonly targets: Targets;
  readonly use: { readonly model: TargetUse; readonly kernel: TargetUse };
  close(): void;
}

async function acquireOne(name: TargetName, wanted: boolean): Promise<{ target?: Target; use: TargetUse }> {
  if (!wanted) return { use: { used: false, reason: 'not requested' } };
  try {
    // The kernel target gets the log parser, so that asking for states yields structured events.
    const target = name === 'kernel' ? createKernelTarget({ parseLog: (t) => parseVerifierLog(t).events }) : await getTarget(name);
    return { target, use: { used: true, ...(name === 'kernel' ? { release: kernelCapability().release } : {}) } };
  } catch (e) {
    if (e instanceof UnavailableError) return { use: { used: false, reason: e.message } };
    throw e;
  }
}

export async function acquireTargets(wanted: readonly TargetName[]): Promise<Acquired> {
  const model = await acquireOne('model', wanted.includes('model'));
  const kernel = await acquireOne('kernel', wanted.includes('kernel'));
  return {
    targets: { ...(model.target ? { model: model.target } : {}), ...(kernel.target ? { kernel: kernel.target } : {}) },
    use: { model: model.use, kernel: kernel.use },
    close: () => {
      model.target?.close?.();
      kernel.target?.close?.();
    },
  };
}

/** One line per wanted target that was left out, for stderr. */
export function leftOutLines(a: Acquired, wanted: readonly TargetName[]): string[] {
  return (['model', 'kernel'] as const)
    .filter((n) => wanted.includes(n) && !a.use[n].used)
    .map((n) => `verifuzz: ${n} target left out: ${a.use[n].reason}`);
}

/**
 * The targets a command asked for: each one left out is reported on stderr, and with
 * `needOne` a command that has none left fails with UnavailableError (exit 3).
 */
export async function acquireForCommand(wanted: readonly TargetName[], needOne = true): Promise<Acquired> {
  const a = await acquireTargets(wanted);
  for (const line of leftOutLines(a, wanted)) process.stderr.write(`${line}\n`);
  if (needOne && !a.targets.model && !a.targets.kernel) {
    a.close();
    throw new UnavailableError('no verifier target is available (see above)');
  }
  return a;
}
