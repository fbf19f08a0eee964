/**
 * A pool of campaign workers (worker_threads). Work is handed out one iteration at a time by the
 * caller's `next()`; results come back through `deliver` in completion order (the caller
 * reorders). A worker that dies is reported, replaced, and its iteration retried once on the new
 * worker; an iteration that kills two workers is given up (delivered as `undefined`).
 */
import { Worker } from 'node:worker_threads';
import { fromWire, type IterationResult, type WireResult } from './iteration.ts';
import type { WorkerConfig } from './worker-main.ts';

export interface PoolCallbacks {
  /** The next iteration to run, or undefined when there is no more work. */
  next(): number | undefined;
  deliver(i: number, r: IterationResult | undefined): void;
  onCrash?(i: number | undefined, why: string): void;
}

interface Task { readonly i: number; readonly attempt: number }

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export function runPool(size: number, config: WorkerConfig, cb: PoolCallbacks): Promise<{ crashes: number }> {
  let crashes = 0;
  let live = 0;
  const retries: Task[] = [];
  let draining = false;
  return new Promise((resolve) => {
    const take = (): Task | undefined => {
      const retry = retries.shift();
      if (retry) return retry;
      if (draining) return undefined;
      const i = cb.next();
      if (i === undefined) draining = true;
      return i === undefined ? undefined : { i, attempt: 0 };
    };
    const spawn = (): void => {
      live++;
      const w = new Worker(ENTRY, { workerData: config });
      let task: Task | undefined;
      let stopped = false;
      const feed = (): void => {
        task = take();
        if (task) w.postMessage(task);
        else { stopped = true; w.postMessage('stop'); }
      };
      w.on('message', (msg: 'ready' | { result: WireResult }) => {
        if (msg !== 'ready' && task) cb.deliver(task.i, fromWire(msg.result));
        feed();
      });
      let crashed = false;
      const died = (why: string): void => {
        if (stopped || crashed) return;
        crashed = true;
        crashes++;
        cb.onCrash?.(task?.i, why);
        if (task && task.attempt === 0) retries.push({ i: task.i, attempt: 1 });
        else if (task) cb.deliver(task.i, undefined);
        task = undefined;
      };
      w.on('error', (e) => died(e.message));
      w.on('exit', (code) => {
        live--;
        died(`exit code ${code}`);
        // Replace a crashed worker; a retry queued while this one was stopping also needs one.
        if (crashed || retries.length > 0) spawn();
        else if (live === 0 && draining) resolve({ crashes });
      });
    };
    for (let k = 0; k < size; k++) spawn();
  });
}
