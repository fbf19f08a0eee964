/**
 * Verifier state: frames (registers + stack), references, the spin lock.
 *
 * Stack: 512 bytes per frame as 64 slots of 8 bytes; slot i covers [fp-8(i+1), fp-8i). A slot's
 * `types` has one char per byte in the kernel's slot_type order (index k is the byte at
 * fp - 8i - 1 - k, so index 7 is the lowest address): '?' invalid, 'm' misc, '0' zero,
 * 'r' spilled register (whose full state is `spilled`).
 * Ownership: the explorer owns one current state and mutates its frames' arrays in place; a
 * branch or a checkpoint takes `cloneState`, which copies the arrays (11 registers, 64 slot
 * references) but shares the immutable Reg and Slot values (structural sharing).
 */
import { type Reg, NOT_INIT, ptrReg } from './reg.ts';

export const MAX_BPF_STACK = 512;
export const BPF_REG_SIZE = 8;
export const STACK_SLOTS = MAX_BPF_STACK / BPF_REG_SIZE;
export const MAX_CALL_FRAMES = 8;

export interface Slot {
  readonly types: string;
  readonly spilled?: Reg;
}

export const INVALID_SLOT: Slot = Object.freeze({ types: '????????' });

export interface Frame {
  regs: Reg[];
  stack: (Slot | undefined)[];
  readonly frameno: number;
  /** pc of the call instruction in the caller (-1 for the main frame). */
  readonly callsite: number;
  readonly subprog: number;
  /** Deepest stack byte touched (allocated_stack), for the combined stack size. */
  allocated: number;
}

export interface RefState {
  readonly id: number;
  readonly insn: number;
}

export interface VState {
  frames: Frame[];
  refs: RefState[];
  /** Active spin lock: id of the pointer it was taken through (0 when none). */
  lockId: number;
  lockMap: number;
  /** may_goto iterations taken on this path (may_goto_depth). */
  mayGotoDepth?: number;
}

export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  const regs: Reg[] = new Array(11).fill(NOT_INIT);
  regs[10] = ptrReg('fp', { frameno });
  return { regs, stack: new Array(STACK_SLOTS).fill(undefined), frameno, callsite, subprog, allocated: 0 };
}

export function cloneFrame(f: Frame): Frame {
  return { ...f, regs: f.regs.slice(), stack: f.stack.slice() };
}

export function cloneState(s: VState): VState {
  return { frames: s.frames.map(cloneFrame), refs: s.refs.slice(), lockId: s.lockId, lockMap: s.lockMap, mayGotoDepth: s.mayGotoDepth ?? 0 };
}

export const curFrame = (s: VState): Frame => s.frames[s.frames.length - 1]!;
export const slotAt = (f: Frame, spi: number): Slot => f.stack[spi] ?? INVALID_SLOT;

export const isSpilledReg = (sl: Slot): boolean => sl.types.charCodeAt(7) === 114; // 'r'
export const isSpilledScalar = (sl: Slot): boolean => isSpilledReg(sl) && sl.spilled?.type === 'scalar';

/** Replace one byte type (kernel slot_type index k) in a slot's types string. */
export function setType(types: string, k: number, c: string): string {
  return types.slice(0, k) + c + types.slice(k + 1);
}

/** Every register in the state, including spilled ones (bpf_for_each_reg_in_vstate). The
 * callback returns a replacement or undefined to keep the register. */
export function mapAllRegs(s: VState, fn: (r: Reg) => Reg | undefined): void {
  for (const f of s.frames) {
    for (let i = 0; i < 11; i++) {
      const n = fn(f.regs[i]!);
      if (n) f.regs[i] = n;
    }
    for (let i = 0; i < STACK_SLOTS; i++) {
      const sl = f.stack[i];
      if (!sl || !sl.spilled || !isSpilledReg(sl)) continue;
      const n = fn(sl.spilled);
      if (n) f.stack[i] = { types: sl.types, spilled: n };
    }
  }
}
