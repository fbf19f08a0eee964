/**
 * Atomic file replacement: write a temporary file in the target's directory, fsync it, rename it
 * over the target, fsync the directory. Invariant: at every instant the target path holds either
 * its old complete content or the new complete content, never a prefix. A crash can leave a
 * temporary file behind; its name starts with '.' and ends in '.tmp', which readers skip.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

let counter = 0;

/** The temporary name used for `file` (hidden, same directory, unique in this process). */
export function tempNameFor(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${counter}.tmp`);
}

export const isTempName = (name: string): boolean => name.startsWith('.') && name.endsWith('.tmp');

export interface AtomicWriteHooks {
  /** Called after the temporary file is complete and synced, before the rename (tests crash here). */
  readonly beforeRename?: (tempPath: string) => void;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeFileAtomic(file: string, data: string, hooks: AtomicWriteHooks = {}): void {
  const tmp = tempNameFor(file);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  hooks.beforeRename?.(tmp);
  renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}
