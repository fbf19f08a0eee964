/**
 * Control transfer that leaves the straight line: bpf-to-bpf calls and helper callbacks (frames),
 * exit, helper calls (dispatched through the helpers.ts table), tail calls, may_goto, and the
 * legacy LD_ABS / LD_IND packet loads.
 *
 * Frames: the main program is depth 0; each call or callback pushes a frame holding the caller's
 * r6..r10, its program (tail calls change it) and return pc; the callee gets a fresh 512-byte
 * stack region and r10 at its top; r0 and r6..r9 start uninitialized in the callee; after the
 * return r1..r5 are uninitialized (clobbered) in the caller. At most 8 frames (MAX_CALL_FRAMES).
 * DIVERGENCE: a frame's stack region is reused by the next frame at the same depth, so a stale
 * pointer into a returned frame is a use after free only until that depth is entered again.
 */
import { BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from '../isa/opcodes.ts';
import { HELPERS } from './helpers.ts';
import * as load from './load.ts';
import * as memory from './memory.ts';
import { type Continuation, MAX_BPF_STACK, MAX_CALL_FRAMES, type VmState } from './state.ts';
import { ETH_HLEN } from './context.ts';

// Module-local copies (a read through an import binding can compile to a getter call).
const { dstAt, immAt, srcAt, targetAt } = load;
const { clearRegion, ptrHi, ptrLo } = memory;

const R1_TO_R5 = 0x3e;
/** BPF_MAX_LOOPS: the may_goto budget of one frame (kernel/bpf/verifier.c, non-timed form). */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

const STACK_LABELS = Array.from({ length: MAX_CALL_FRAMES }, (_, d) => `stack of frame ${d}`);

/** The stack region of a depth, fresh (alive, every byte uninitialized). */
export function stackFor(st: VmState, depth: number): number | undefined {
  const rid = st.stackRids[depth];
  let r = rid === undefined || rid < 0 ? undefined : st.mem.get(rid);
  if (!r) {
    r = st.mem.allocTransient('stack', MAX_BPF_STACK, STACK_LABELS[depth] ?? `stack of frame ${depth}`, { shadow: true });
    if (!r) return undefined;
    st.stackRids[depth] = r.rid;
  } else {
    r.alive = true;
    clearRegion(r);
  }
  st.mayGoto[depth] = BPF_MAX_LOOPS;
  return r.rid;
}

/** Push a frame and enter `target` with the given argument registers (r1..). */
export function enterFrame(st: VmState, pc: number, target: number, retPc: number, cont?: Continuation, args?: readonly bigint[]): number {
  const depth = st.frames.length + 1;
  if (depth >= MAX_CALL_FRAMES) {
    return st.raise(pc, 'call_depth', `the call stack of ${depth + 1} frames is too deep`);
  }
  const stackRid = stackFor(st, depth);
  if (stackRid === undefined) return st.raise(pc, 'unsupported', 'VM region table exhausted (too many transient regions)');
  st.frames.push({
    code: st.code, retPc, savedLo: st.lo.slice(6, 11), savedHi: st.hi.slice(6, 11), savedInit: st.init, stackRid,
    ...(cont ? { cont } : {}),
  });
  if (args) args.forEach((v, i) => st.setReg(i + 1, v));
  st.lo[10] = ptrLo(MAX_BPF_STACK);
  st.hi[10] = ptrHi(stackRid);
  st.init = (st.init & R1_TO_R5) | (1 << 10);
  return target;
}

export function doCall(st: VmState, pc: number): number {
  const code = st.code;
  const src = srcAt(code, pc);
  if (src === BPF_PSEUDO_CALL) return enterFrame(st, pc, targetAt(code, pc), pc + 1);
  if (src === BPF_PSEUDO_KFUNC_CALL) return st.raise(pc, 'unsupported', `kfunc calls (btf id ${immAt(code, pc)}) are not supported by the VM`);
  return callHelper(st, pc, immAt(code, pc));
}

export function callHelper(st: VmState, pc: number, id: number): number {
  const h = HELPERS[id];
  if (!h) return st.raise(pc, 'unknown_helper', `helper #${id} is not implemented by the VM`);
  return h(st, pc);
}

/** bpf_conformance's callx: call the helper whose id is in dst. */
export function doCallx(st: VmState, pc: number): number {
  return callHelper(st, pc, st.lo[dstAt(st.code, pc)]!);
}

export function doExit(st: VmState, pc: number): number {
  const r0Init = st.init & 1;
  if (!r0Init && (st.frames.length === 0 || st.frames[st.frames.length - 1]!.cont)) {
    return st.raise(pc, 'uninit_reg', 'R0 !read_ok (exit without a return value)');
  }
  const f = st.frames.pop();
  if (!f) {
    if (st.locks.size > 0) return st.raise(pc, 'lock', 'BPF_EXIT with a bpf_spin_lock held');
    if (st.refs.size > 0) return st.raise(pc, 'leak', `BPF_EXIT with ${st.refs.size} ring buffer record(s) neither submitted nor discarded`);
    return -2;
  }
  st.mem.free(f.stackRid);
  st.code = f.code;
  st.lo.set(f.savedLo, 6);
  st.hi.set(f.savedHi, 6);
  st.init = (f.savedInit & ~(R1_TO_R5 | 1)) | r0Init;
  return f.cont ? f.cont(st) : f.retPc;
}

/** may_goto: fall through while the frame's counter lasts, then take the jump. */
export function doMayGoto(st: VmState, pc: number): number {
  const depth = st.frames.length;
  const left = st.mayGoto[depth]!;
  if (left === 0) return targetAt(st.code, pc);
  st.mayGoto[depth] = left - 1;
  return pc + 1;
}

const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;

/** LD_ABS / LD_IND: big-endian load from the skb; out of range ends the program with r0 = 0. */
export function doLdAbs(st: VmState, pc: number, x: number): number {
  const code = st.code;
  const size = x & 0x18 ? (x & 0x18) === 0x08 ? 2 : 1 : 4;
  let k = immAt(code, pc);
  if ((x & 0xe0) === 0x40) k = (k + st.lo[srcAt(code, pc)]!) | 0;
  const pkt = st.mem.get(st.packetRid);
  let at: number;
  const end = st.dataEndOff;
  if (k >= 0) at = st.dataOff + k;
  else if (k >= SKF_NET_OFF) at = ETH_HLEN + (k - SKF_NET_OFF);
  else if (k >= SKF_LL_OFF) at = k - SKF_LL_OFF;
  else at = -1;
  st.init = (st.init & ~R1_TO_R5) | 1;
  if (!pkt || at < 0 || at + size > end || at + size > pkt.bytes.length) {
    st.lo[0] = 0; st.hi[0] = 0;
    st.frames.length = 0;
    return -2;
  }
  const b = pkt.bytes;
  let v = 0;
  for (let i = 0; i < size; i++) v = (v * 256) + b[at + i]!;
  st.lo[0] = v | 0; st.hi[0] = 0;
  return pc + 1;
}
