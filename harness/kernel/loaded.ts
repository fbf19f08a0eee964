/**
 * A program the kernel accepted and that is still loaded, with its maps: BPF_PROG_TEST_RUN on
 * an input, then the maps read back.
 *
 * Invariant: callers run only programs the kernel verifier accepted AND our VM ran cleanly on the
 * same input (design.md; the kernel target does not check this itself: see targets.ts). The
 * object owns the prog fd, the map fds and the BTF fd until close().
 */
import type { Program, ProgType } from '../isa/program.ts';
import type { OwnedFd } from './fd.ts';
import type { KernelMap } from './maps.ts';
import { testRun, type TestRunResult } from './test-run.ts';

export interface RunInput {
  /** Packet (data_in) for skb/xdp types; default 64 zero bytes for them, none for others. */
  readonly data?: Uint8Array;
  /** Context (ctx_in); default: none for skb/xdp, 96 zero bytes for raw_tracepoint (12 args),
   * 64 for syscall. For SYSCALL programs ctx is in/out. */
  readonly ctx?: Uint8Array;
  readonly repeat?: number;
}

const PACKET_TYPES = new Set<ProgType>(['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'flow_dissector']);

/** The input verifuzz uses when none is given (check's "one run on a 64-byte zeroed packet"). */
export function defaultRunInput(t: ProgType): RunInput {
  if (PACKET_TYPES.has(t)) return { data: new Uint8Array(64) };
  if (t === 'raw_tracepoint') return { ctx: new Uint8Array(96) };
  return { ctx: new Uint8Array(64) };
}

export class LoadedProgram {
  readonly program: Program;
  readonly maps: readonly KernelMap[];
  readonly #prog: OwnedFd;
  readonly #btf: OwnedFd | undefined;

  constructor(program: Program, prog: OwnedFd, maps: readonly KernelMap[], btf?: OwnedFd) {
    this.program = program;
    this.#prog = prog;
    this.maps = maps;
    this.#btf = btf;
  }

  get progFd(): number {
    return this.#prog.fd;
  }

  /** One test_run. Out buffers are as large as the inputs. */
  run(input: RunInput = defaultRunInput(this.program.progType)): TestRunResult {
    return testRun({
      progFd: this.#prog.fd,
      ...(input.data ? { data: input.data } : {}),
      ...(input.ctx ? { ctx: input.ctx } : {}),
      ...(input.repeat ? { repeat: input.repeat } : {}),
      ...(this.program.progType === 'syscall' ? { ctxInOut: true } : {}),
      // RAW_TRACEPOINT refuses ctx_out (and data, repeat): args in only.
      ...(this.program.progType === 'raw_tracepoint' ? { ctxOutSize: 0 } : {}),
    });
  }

  close(): void {
    this.#prog.close();
    for (const m of this.maps) m.close();
    this.#btf?.close();
  }
}
