/**
 * New kernel log lines (dmesg) since the last look, for the kernel-invariants oracle: a
 * "verifier bug" WARN lands there, not in the verifier log. Reads /dev/kmsg without blocking;
 * where it cannot be opened (not root) it reports nothing and says why once.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';

export class KernelMessages {
  #fd: number | undefined;
  readonly unavailable?: string;
  readonly #buf = Buffer.alloc(8192);

  constructor() {
    try {
      this.#fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
      this.drain(); // skip what was there before us
    } catch (e) {
      this.unavailable = `cannot read /dev/kmsg: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
  }

  /** Messages that arrived since the last call (text after the record header). */
  drain(): string[] {
    if (this.#fd === undefined) return [];
    const out: string[] = [];
    for (;;) {
      let n: number;
      try {
        n = readSync(this.#fd, this.#buf, 0, this.#buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue; // records were overwritten; the next read resumes
        throw e;
      }
      if (n <= 0) break;
      const rec = this.#buf.toString('utf8', 0, n);
      const semi = rec.indexOf(';');
      out.push((semi >= 0 ? rec.slice(semi + 1) : rec).split('\n')[0]!);
    }
    return out;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
