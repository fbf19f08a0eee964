/**
 * Calls and exits (check_helper_call, check_func_call, prepare_func_exit, the main exit):
 * helper prototypes from spec/helpers.ts, r1-r5 clobbered, r0 from the return kind, references
 * acquired / released, packet pointers invalidated by helpers that change packet data; bpf-to-bpf
 * calls push a frame (depth limit 8) and exits pop it.
 */
import type { Insn } from '../../isa/insn.ts';
import { BPF_FUNC_MAX_ID, HELPER_NAMES } from '../../isa/helpers.ts';
import { BPF_JMP32, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, bpfClass, bpfSrc } from '../../isa/opcodes.ts';
import { MAP_TYPES } from '../../isa/program.ts';
import { regBoundsSync, scalarUnknown } from '../domains/scalar.ts';
import { type CallMeta, checkFuncArg } from '../checks/helper-args.ts';
import { checkRegRead } from '../checks/regs.ts';
import { E2BIG, EINVAL, reject, unsupported } from '../checks/reject.ts';
import { helperForProg, helperProto, type HelperProto } from '../spec/helpers.ts';
import { MEM_RINGBUF, NOT_INIT, PTR_MAYBE_NULL, type Reg, UNKNOWN_SCALAR, ptrReg, regStr, withReg } from '../state/reg.ts';
import { MAX_CALL_FRAMES, mapAllRegs, newFrame } from '../state/vstate.ts';
import { EXIT_PATH, type Walker } from '../walker.ts';
import { stackClobber } from './stack.ts';
import { nrCpuIds } from '../spec/machine.ts';

const funcIdName = (id: number): string => {
  const n = id >= 0 && id < BPF_FUNC_MAX_ID ? HELPER_NAMES[id] : undefined;
  return n && id > 0 ? `bpf_${n}` : 'unknown';
};

export function call(w: Walker, insn: Insn): number {
  if (bpfSrc(insn.code) !== 0 || (insn.src !== BPF_PSEUDO_KFUNC_CALL && insn.off !== 0)
    || (insn.src !== 0 && insn.src !== BPF_PSEUDO_CALL && insn.src !== BPF_PSEUDO_KFUNC_CALL)
    || insn.dst !== 0 || bpfClass(insn.code) === BPF_JMP32) {
    reject('BPF_CALL uses reserved fields', EINVAL);
  }
  if (w.st.lockId && (insn.src !== 0 || insn.imm !== 94)) reject('function calls are not allowed while holding a lock', EINVAL);
  if (insn.src === BPF_PSEUDO_CALL) return pseudoCall(w, insn);
  if (insn.src === BPF_PSEUDO_KFUNC_CALL) unsupported('kfunc calls');
  return helperCall(w, insn);
}

function pseudoCall(w: Walker, insn: Insn): number {
  const depth = w.st.frames.length;
  if (depth >= MAX_CALL_FRAMES) reject(`the call stack of ${depth + 1} frames is too deep`, E2BIG);
  const target = w.pc + insn.imm + 1;
  const caller = w.cur();
  const callee = newFrame(depth, w.pc, w.env.subprogOf[target]!);
  for (let i = 1; i <= 5; i++) callee.regs[i] = caller.regs[i]!;
  for (let i = 0; i <= 5; i++) caller.regs[i] = NOT_INIT;
  w.st.frames.push(callee);
  if (w.logging) w.log('caller:\ncallee:');
  return target;
}

function helperCall(w: Walker, insn: Insn): number {
  const id = insn.imm;
  if (id < 0 || id >= BPF_FUNC_MAX_ID) reject(`invalid func ${funcIdName(id)}#${id}`, EINVAL);
  const proto = helperForProg(id, w.env.prog.progType);
  if (!proto) {
    if (helperProto(id) || id === 0) reject(`program of this type cannot use helper ${funcIdName(id)}#${id}`, EINVAL);
    unsupported(`helper ${funcIdName(id)}#${id}`);
  }
  const meta: CallMeta = { map: -1, constMapKey: -1n, refObjId: 0, releaseRegno: 0, memSize: 0, msizeMaxValue: 0n, rawRegno: -1 };
  for (let i = 0; i < 5; i++) {
    const kind = proto.args[i];
    if (kind) checkFuncArg(w, i + 1, kind, meta, proto);
  }
  if (id === 12) recordTailCallKey(w, meta);
  if (meta.rawStack) stackClobber(w.st.frames[meta.rawStack[0]]!, meta.rawStack[1], meta.rawStack[2]);
  if (meta.releaseRegno) release(w, meta, proto);
  if (id === 12) {
    if (w.st.lockId) reject('tail_call cannot be used inside bpf_spin_lock-ed region', EINVAL);
    if (w.st.refs.length) reject('tail_call would lead to reference leak', EINVAL);
  }
  const regs = w.cur().regs;
  for (let i = 0; i <= 5; i++) regs[i] = NOT_INIT;
  regs[0] = retReg(w, proto, meta, insn);
  checkMapFuncCompatibility(w, meta.map, id);
  if (proto.changesPktData) clearAllPktPointers(w);
  return w.pc + 1;
}

function recordTailCallKey(w: Walker, meta: CallMeta): void {
  const r3 = w.cur().regs[3]!;
  if (meta.map < 0 || r3.type !== 'scalar') return;
  if (r3.s.umin === r3.s.umax && r3.s.umax < BigInt(w.env.maps[meta.map]!.maxEntries)) w.markPreciseReg(3);
}

function release(w: Walker, meta: CallMeta, proto: HelperProto): void {
  const id = meta.refObjId;
  if (!id) return;
  if (!w.st.refs.some((r) => r.id === id)) {
    reject(`func bpf_${proto.name}#${proto.id} reference has not been acquired before`, EINVAL);
  }
  w.st.refs = w.st.refs.filter((r) => r.id !== id);
  mapAllRegs(w.st, (r) => (r.refObjId === id ? UNKNOWN_SCALAR : undefined));
}

function retReg(w: Walker, proto: HelperProto, meta: CallMeta, insn: Insn): Reg {
  switch (proto.ret) {
    case 'void': return NOT_INIT;
    case 'integer': return integerRet(proto.id);
    case 'map_value_or_null': {
      const map = w.env.maps[meta.map]!;
      const elide = proto.id === 1 && (map.type === 'array' || map.type === 'percpu_array')
        && meta.constMapKey >= 0n && meta.constMapKey < BigInt(map.maxEntries);
      if (elide) return ptrReg('map_value', { map: meta.map });
      return ptrReg('map_value', { map: meta.map, flags: PTR_MAYBE_NULL, id: ++w.env.idGen });
    }
    case 'ringbuf_mem_or_null': {
      ++w.env.idGen;
      const ref = ++w.env.idGen;
      w.st.refs = [...w.st.refs, { id: ref, insn: w.pc }];
      void insn;
      return ptrReg('mem', { flags: PTR_MAYBE_NULL | MEM_RINGBUF, memSize: meta.memSize, id: ref, refObjId: ref });
    }
  }
}

function integerRet(id: number): Reg {
  if (id !== 8) return UNKNOWN_SCALAR;
  const n = BigInt(nrCpuIds() - 1);
  const s = regBoundsSync({ ...scalarUnknown(), smin: 0n, smax: n, umin: 0n, umax: n, s32min: 0n, s32max: n, u32min: 0n, u32max: n });
  return withReg(UNKNOWN_SCALAR, { s });
}

const MAP_ONLY: Readonly<Record<string, readonly number[]>> = {
  prog_array: [12], ringbuf: [130, 131, 134], queue: [87, 88, 89], stack: [87, 88, 89], bloom_filter: [87, 89],
  perf_event_array: [25, 22],
};
const FUNC_ONLY: Readonly<Record<number, readonly string[]>> = {
  12: ['prog_array'], 130: ['ringbuf'], 131: ['ringbuf'], 134: ['ringbuf'], 88: ['queue', 'stack'],
  87: ['queue', 'stack', 'bloom_filter'], 89: ['queue', 'stack', 'bloom_filter'], 25: ['perf_event_array'],
};

/** check_map_func_compatibility. */
function checkMapFuncCompatibility(w: Walker, mapIdx: number, id: number): void {
  if (mapIdx < 0) return;
  const map = w.env.maps[mapIdx]!;
  const onlyFuncs = MAP_ONLY[map.type];
  const onlyMaps = FUNC_ONLY[id];
  if ((onlyFuncs && !onlyFuncs.includes(id)) || (onlyMaps && !onlyMaps.includes(map.type))) {
    reject(`cannot pass map_type ${MAP_TYPES[map.type]} into func ${funcIdName(id)}#${id}`, EINVAL);
  }
  if (id === 12 && w.env.subprogs.length > 1) {
    // tail calls mixed with bpf-to-bpf calls are allowed with the JIT (x86-64): nothing to check
  }
}

/** clear_all_pkt_pointers: packet pointers die when a helper may move the packet. */
function clearAllPktPointers(w: Walker): void {
  mapAllRegs(w.st, (r) => (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end' ? UNKNOWN_SCALAR : undefined));
}

export function exit(w: Walker, insn: Insn): number {
  if (bpfSrc(insn.code) !== 0 || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || bpfClass(insn.code) === BPF_JMP32) {
    reject('BPF_EXIT uses reserved fields', EINVAL);
  }
  const frames = w.st.frames;
  if (frames.length > 1) {
    const callee = frames[frames.length - 1]!;
    const r0 = callee.regs[0]!;
    if (r0.type === 'fp') reject('cannot return stack pointer to the caller', EINVAL);
    frames.pop();
    frames[frames.length - 1]!.regs[0] = r0;
    if (w.logging) w.log(`returning from callee:\nto caller at ${callee.callsite + 1}:`);
    return callee.callsite + 1;
  }
  if (w.st.lockId) reject('BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region', EINVAL);
  if (w.st.refs.length) {
    for (const r of w.st.refs) w.log(`Unreleased reference id=${r.id} alloc_insn=${r.insn}`);
    reject('BPF_EXIT instruction in main prog would lead to reference leak', EINVAL);
  }
  checkRegRead(w, 0);
  checkReturnCode(w);
  return EXIT_PATH;
}

/** check_return_code for program types with a return range (cgroup_skb: [0, 1]). */
function checkReturnCode(w: Walker): void {
  const range = w.env.spec?.retRange;
  if (!range) return;
  const r0 = w.cur().regs[0]!;
  if (r0.type !== 'scalar') reject(`At program exit the register R0 is not a known value (${regStr(r0)})`, EINVAL);
  w.markPreciseReg(0);
  if (r0.s.smin >= BigInt(range[0]) && r0.s.smax <= BigInt(range[1])) return;
  let text = 'At program exit the register R0 has';
  if (r0.s.smin > -(1n << 63n)) text += ` smin=${r0.s.smin}`;
  if (r0.s.smax < (1n << 63n) - 1n) text += ` smax=${r0.s.smax}`;
  if (r0.s.smin === -(1n << 63n) && r0.s.smax === (1n << 63n) - 1n) text += ' unknown scalar value';
  reject(`${text} should have been in [${range[0]}, ${range[1]}]`, EINVAL);
}
