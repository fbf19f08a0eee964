/**
 * The sanitizing BPF VM: public API (keep it stable; other engineers build on it).
 *
 *   loadVmProgram(program, opts?) -> VmProgram | LoadError
 *       Decodes and validates once (load.ts). opts: { env?, maps?, fdMaps?, callx?, rawMemory? }:
 *       share a VmEnv between programs that tail-call each other; bind Program.maps or fds
 *       (ld_imm64 src=1/2) to existing VmMaps.
 *   loadVmBytes(bytes, progType, opts?) -> VmProgram | LoadError
 *       The same straight from bytecode (no Insn objects; vmProg.program decoded on first use).
 *   runVm(vmProg, input?) -> RunResult
 *       input: { packet?, ctx?, seed?, trace?, traceStack?, budget?, uninitStackOk? }
 *       { kind: 'ok', r0, packetOut?, ctxOut?, insnCount, trace?, printk }
 *     | { kind: 'fault', fault: { kind, pc, slot, message, region?, offset?, size? }, insnCount, trace?, printk }
 *       Trace entries: { pc, slot, frame, regs: bigint[11] before pc, init, regKinds, stack? }.
 *   VmMap (vmProg.maps[i]): user-side map access: lookup, update, delete, keys, push, take,
 *       drain (ring buffer), slots (prog_array / map-in-map entries: set a TailTarget or a VmMap).
 *
 * Pointers are 64-bit values 0xffff_RRRR_8000_0000 + offset (memory.ts); a fault is a value,
 * never an exception; the interpreter (interp.ts) equals the bigint reference (reference.ts).
 */
import * as run from './run.ts';
import * as fault from './fault.ts';

// Re-exported as local bindings (one getter per call through this module, not two).
export const loadVmBytes = run.loadVmBytes, loadVmProgram = run.loadVmProgram, runVm = run.runVm;
export const isLoadError = fault.isLoadError;
export { VmEnv, DEFAULT_BUDGET } from './run.ts';
export type { VmProgram, VmLoadOptions, RunInput, RunResult, TraceEntry, RegKind } from './run.ts';
export { VmMap, VM_MAP_TYPES } from './maps.ts';
export type { TailTarget } from './helpers.ts';
export type { Fault, FaultKind, LoadError } from './fault.ts';
export { decodePtr, ptrBig } from './memory.ts';
