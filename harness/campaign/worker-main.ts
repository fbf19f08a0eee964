/**
 * A campaign worker (worker_threads): acquires its own targets, then answers each `{ i, attempt }`
 * with the wire form of that iteration. Asks for work by posting `ready`.
 *
 * For the crash-recovery test only: VERIFUZZ_TEST_CRASH_AT=i makes the worker die on the first
 * attempt at iteration i.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { campaignFamilies } from './families.ts';
import { programFromJson, type ProgramJson } from '../isa/program-json.ts';
import { acquireTargets } from './acquire.ts';
import { KernelMessages } from './kmsg.ts';
import { runIteration, toWire } from './iteration.ts';
import { campaignExamineOptions } from './options.ts';
import type { TargetName } from '../targets.ts';

export interface WorkerConfig {
  readonly seed: number;
  readonly families: readonly string[];
  readonly targets: readonly TargetName[];
  readonly containment: boolean;
  readonly kernelStatesEvery: number;
  readonly modelInsnBudget: number;
  /** Parents of the mutate family (Program JSON). */
  readonly parents: readonly ProgramJson[];
}

const config = workerData as WorkerConfig;
const families = campaignFamilies(config.families, config.parents.map((p) => programFromJson(p)));
const acquired = await acquireTargets(config.targets);
const kmsg = acquired.targets.kernel ? new KernelMessages() : undefined;
const crashAt = process.env.VERIFUZZ_TEST_CRASH_AT;

parentPort!.on('message', (msg: { i: number; attempt: number } | 'stop') => {
  if (msg === 'stop') {
    kmsg?.close();
    acquired.close();
    process.exit(0);
  }
  if (crashAt !== undefined && Number(crashAt) === msg.i && msg.attempt === 0) process.exit(70);
  const r = runIteration(config.seed, msg.i, families, acquired.targets, campaignExamineOptions({
    containment: config.containment, kernelStatesEvery: config.kernelStatesEvery, modelInsnBudget: config.modelInsnBudget,
    ...(kmsg ? { dmesg: () => kmsg.drain() } : {}),
  }));
  parentPort!.postMessage({ result: toWire(r) });
});
parentPort!.postMessage('ready');
