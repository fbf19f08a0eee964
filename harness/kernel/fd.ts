/**
 * Owned kernel file descriptors (programs, maps, BTF objects).
 *
 * Invariant: an `OwnedFd` closes its fd exactly once: explicitly through `close()` (preferred,
 * deterministic) or, as a safety net, when the object is garbage collected (FinalizationRegistry).
 * After close(), `fd` is -1.
 */
import { closeFd } from './syscall.ts';

const registry = new FinalizationRegistry<number>((fd) => {
  try { closeFd(fd); } catch { /* process is shutting down */ }
});

export class OwnedFd {
  #fd: number;
  constructor(fd: number) {
    this.#fd = fd;
    registry.register(this, fd, this);
  }

  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    registry.unregister(this);
    closeFd(this.#fd);
    this.#fd = -1;
  }
}

/** Close several owners (ignores undefined). */
export function closeAll(fds: Iterable<{ close(): void } | undefined>): void {
  for (const f of fds) f?.close();
}
