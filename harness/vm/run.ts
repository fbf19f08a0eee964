/**
 * Loading a Program into the VM and running it on one input: the environment (memory + maps),
 * the context and packet regions built like BPF_PROG_TEST_RUN builds them, the run loop (plain
 * or traced), and the result (r0 and the outputs, or the fault).
 */
import type { MapDef, Program, ProgType } from '../isa/program.ts';
import { decode } from '../isa/codec.ts';
import { accessOptions } from './access.ts';
import * as callsNs from './calls.ts';
import { HELPERS } from './helpers.ts';
import * as contextNs from './context.ts';
import type { CtxKind } from './context.ts';
import { type Fault, isLoadError, type LoadError } from './fault.ts';
import * as interpNs from './interp.ts';
import * as xdpNs from './xdp.ts';
import * as slabNs from './slab.ts';
import * as loadNs from './load.ts';
import type { Code, LoadOptions, MapRef } from './load.ts';
import { VM_MAP_TYPES, VmMap } from './maps.ts';
import * as memoryNs from './memory.ts';
import { MAX_BPF_STACK, VmState } from './state.ts';

// Module-local copies of what every run uses (a read through an import binding can compile to a
// getter call).
const { stackFor } = callsNs;
const { buildSkbCtx, buildXdpCtx, ctxKindOf, ETH_HLEN, isL2, LAYOUTS, SKB, XDP } = contextNs;
const { execute, ST_EXIT, ST_FAULT } = interpNs;
const { setupXdpFrame, xdpPacketOut } = xdpNs;
const { slabBytes } = slabNs;
const { loadCode, loadCodeBytes, slotAt } = loadNs;
const { decodePtr, Memory, ptrHi, ptrLo } = memoryNs;

/** Memory and maps shared by the programs that can reach each other (tail calls). */
export class VmEnv {
  readonly memory = new Memory();
}

export interface VmLoadOptions {
  /** Share memory with other programs (needed for tail calls between them). */
  readonly env?: VmEnv;
  /** Bind Program.maps to these existing maps instead of creating new ones. */
  readonly maps?: readonly VmMap[];
  /** fd -> map, for ld_imm64 src = 1 / 2 (BPF_PSEUDO_MAP_FD / _VALUE). */
  readonly fdMaps?: ReadonlyMap<number, VmMap>;
  /** Accept bpf_conformance's callx (opcode 0x8d); Linux does not have it. */
  readonly callx?: boolean;
  /** Run with a raw memory region as context (bpf_conformance: r1 = mem, r2 = length). */
  readonly rawMemory?: boolean;
  /** Skip the static init analysis (code.staticInit false); runs check every register read either way. */
  readonly dynamicInit?: boolean;
}

export interface VmProgram {
  readonly program: Program;
  readonly code: Code;
  readonly maps: readonly VmMap[];
  readonly env: VmEnv;
  readonly ctxKind: CtxKind;
}

export interface RunInput {
  /** Packet bytes (skb and xdp types); default 64 zero bytes, as the project's kernel runs use. */
  readonly packet?: Uint8Array;
  /** Context bytes (ctx_in). */
  readonly ctx?: Uint8Array;
  /** Seed of bpf_get_prandom_u32 (default 0). */
  readonly seed?: number;
  readonly trace?: boolean;
  /** Also copy the current frame's stack into each trace entry. */
  readonly traceStack?: boolean;
  /** Instruction budget (default 20,000,000). */
  readonly budget?: number;
  /** Allow reads of never-written stack bytes (privileged kernels allow them); default: fault. */
  readonly uninitStackOk?: boolean;
}

export interface RegKind { readonly rid: number; readonly kind: string; readonly label: string; readonly off: number }

export interface TraceEntry {
  /** Logical instruction index; `slot` is the kernel's instruction number. */
  readonly pc: number;
  readonly slot: number;
  /** Frame depth (0 = main program). */
  readonly frame: number;
  /** r0..r10 before executing pc. */
  readonly regs: readonly bigint[];
  /** Bit i set when ri is initialized. */
  readonly init: number;
  /** For each register holding a pointer: its region and offset. */
  readonly regKinds: ReadonlyArray<RegKind | undefined>;
  /** The current frame's stack bytes and init shadow (with traceStack). */
  readonly stack?: { readonly bytes: Uint8Array; readonly init: Uint8Array };
}

export type RunResult =
  | { kind: 'ok'; r0: bigint; packetOut?: Uint8Array; ctxOut?: Uint8Array; insnCount: number; trace?: TraceEntry[]; printk: string[] }
  | { kind: 'fault'; fault: Fault; insnCount: number; trace?: TraceEntry[]; printk: string[] };

export const DEFAULT_BUDGET = 20_000_000;
const DEFAULT_PACKET = new Uint8Array(64);

// Shared empties for the common load without maps or options (no per-load allocations).
const NO_OPTIONS: VmLoadOptions = Object.freeze({});
const NO_DEFS: readonly MapDef[] = Object.freeze([]);
const NO_MAPS: readonly VmMap[] = Object.freeze([]);

function bindMaps(defs: readonly MapDef[], env: VmEnv, opts: VmLoadOptions): readonly VmMap[] | LoadError {
  if (defs.length === 0) return NO_MAPS;
  const maps: VmMap[] = [];
  for (let i = 0; i < defs.length; i++) {
    const def = defs[i]!;
    if (!VM_MAP_TYPES.has(def.type)) return { kind: 'load_error', pc: -1, message: `map ${i}: type ${def.type} is not supported by the VM` };
    maps.push(opts.maps?.[i] ?? new VmMap(def, env.memory, i));
  }
  return maps;
}

const mapRef = (m: VmMap): MapRef => ({
  handleRid: m.handle.rid,
  directValueRid: m.isArray && m.def.maxEntries >= 1 ? m.arrayElem(0)!.rid : 0,
});

const knownHelper = (id: number): boolean => HELPERS[id] !== undefined;

/** The load options of a program without maps or options (the common case, built once). */
const PLAIN_OPTIONS: LoadOptions = { maps: [], entryInit: 0x402, knownHelper };

function loadOptions(maps: readonly VmMap[], opts: VmLoadOptions): LoadOptions {
  if (maps.length === 0 && !opts.fdMaps && !opts.callx && !opts.rawMemory && !opts.dynamicInit) return PLAIN_OPTIONS;
  const fdMaps = opts.fdMaps ? new Map([...opts.fdMaps].map(([fd, m]) => [fd, mapRef(m)])) : undefined;
  return {
    maps: maps.map(mapRef), ...(fdMaps ? { fdMaps } : {}), ...(opts.callx ? { callx: true } : {}),
    entryInit: opts.rawMemory ? 0x406 : 0x402, knownHelper, ...(opts.dynamicInit ? { dynamicInit: true } : {}),
  };
}

function ctxKindFor(progType: ProgType, opts: VmLoadOptions): CtxKind | LoadError {
  const k = opts.rawMemory ? 'mem' : ctxKindOf(progType);
  return k ?? { kind: 'load_error', pc: -1, message: `program type ${progType} is not supported by the VM` };
}

export function loadVmProgram(program: Program, opts: VmLoadOptions = NO_OPTIONS): VmProgram | LoadError {
  const ctxKind = ctxKindFor(program.progType, opts);
  if (typeof ctxKind === 'object') return ctxKind;
  const env = opts.env ?? new VmEnv();
  const maps = bindMaps(program.maps, env, opts);
  if (isLoadError(maps)) return maps;
  const code = loadCode(program.insns, program.progType, program.flags ?? 0, loadOptions(maps, opts));
  if ('kind' in code) return code;
  return new LoadedProgram(code, maps, env, ctxKind, program.maps, program);
}

/**
 * Load straight from bytecode (no Insn objects on this path; `program.insns` is decoded on
 * first use). The fast way to run many fresh programs once.
 */
export function loadVmBytes(bytes: Uint8Array, progType: ProgType, opts: VmLoadOptions & { mapDefs?: readonly MapDef[]; flags?: number } = NO_OPTIONS): VmProgram | LoadError {
  const ctxKind = ctxKindFor(progType, opts);
  if (typeof ctxKind === 'object') return ctxKind;
  const env = opts.env ?? new VmEnv();
  const defs = opts.mapDefs ?? NO_DEFS;
  const maps = bindMaps(defs, env, opts);
  if (isLoadError(maps)) return maps;
  const flags = opts.flags ?? 0;
  const code = loadCodeBytes(bytes, progType, flags, loadOptions(maps, opts), decode);
  if ('kind' in code) return code;
  return new LoadedProgram(code, maps, env, ctxKind, defs, undefined);
}

/**
 * The one shape of VmProgram objects (both load paths: runs see one hidden class): `program` is
 * the loaded Program, or built on first use for a load from bytes (a class: no per-load closures).
 */
class LoadedProgram implements VmProgram {
  constructor(readonly code: Code, readonly maps: readonly VmMap[], readonly env: VmEnv, readonly ctxKind: CtxKind,
    private readonly defs: readonly MapDef[], private built: Program | undefined) {}
  get program(): Program {
    const { progType, flags } = this.code;
    return (this.built ??= { progType, insns: this.code.insns, maps: this.defs, ...(flags ? { flags } : {}) });
  }
}

/** One pooled state: runs never nest, so a run reuses the previous run's state object. */
let pooledState: VmState | undefined;

function newState(vp: VmProgram, input: RunInput): VmState {
  const code = vp.code;
  const st = pooledState ?? new VmState(code, vp.env.memory);
  pooledState = undefined;
  st.reset(code, vp.env.memory, input.seed ?? 0);
  st.strictAlign = ((code.flags & 1) !== 0);
  return st;
}

/**
 * The run's own copy of the packet: up to 64 bytes V8 keeps a typed array on the JS heap, and
 * `new Uint8Array(src)` allocates and copies in one step (a quarter of the cost of a byte loop);
 * a larger packet gets a slab view (slab.ts).
 */
function packetCopy(src: Uint8Array): Uint8Array {
  if (src.length <= 64) return new Uint8Array(src);
  const b = slabBytes(src.length);
  b.set(src);
  return b;
}

/** Build r1 (and the packet) for the program's context kind. */
function setupContext(st: VmState, vp: VmProgram, input: RunInput): void {
  const mem = st.mem;
  const kind = vp.ctxKind;
  if (kind === 'xdp') {
    setupXdpFrame(st, input.packet ?? DEFAULT_PACKET);
  } else if (kind === 'skb') {
    const src = input.packet ?? DEFAULT_PACKET;
    const pkt = mem.allocTransientView('packet', packetCopy(src), 'packet')!;
    st.packetRid = pkt.rid;
    st.dataOff = !isL2(vp.code.progType) ? Math.min(ETH_HLEN, pkt.bytes.length) : 0;
    st.metaOff = st.dataOff;
    st.dataEndOff = pkt.bytes.length;
  }
  if (kind === 'skb' || kind === 'xdp') {
    const pkt = mem.get(st.packetRid)!;
    const bytes = kind === 'skb' ? buildSkbCtx(vp.code.progType, pkt.bytes, input.ctx) : buildXdpCtx(input.ctx);
    const ctx = mem.allocTransientView('ctx', bytes, kind === 'skb' ? 'context (__sk_buff)' : 'context (xdp_md)', kind === 'skb' ? SKB_OPTS : XDP_OPTS)!;
    st.ctxRid = ctx.rid;
    setPtr(st, 1, ctx.rid);
    return;
  }
  if (kind === 'mem') {
    const src = input.ctx ?? new Uint8Array(0);
    const m = mem.allocTransient('mem', src.length, 'memory')!;
    m.bytes.set(src);
    setPtr(st, 1, m.rid);
    st.setReg(2, BigInt(m.bytes.length));
    return;
  }
  if (!input.ctx) { st.setReg(1, 0n); return; }
  const ctx = mem.allocTransient('ctx', input.ctx.length, kind === 'args' ? 'context (raw_tracepoint args)' : 'context (syscall)',
    { owner: LAYOUTS[kind], writable: kind === 'syscall' })!;
  ctx.bytes.set(input.ctx);
  st.ctxRid = ctx.rid;
  setPtr(st, 1, ctx.rid);
}

const SKB_OPTS = { owner: LAYOUTS.skb }, XDP_OPTS = { owner: LAYOUTS.xdp };

/** r = pointer to offset 0 of region rid (halves: no bigint). */
function setPtr(st: VmState, r: number, rid: number): void {
  st.lo[r] = ptrLo(0);
  st.hi[r] = ptrHi(rid);
  st.init |= 1 << r;
}

function regKinds(st: VmState): Array<RegKind | undefined> {
  const out: Array<RegKind | undefined> = [];
  for (let r = 0; r < 11; r++) {
    const p = decodePtr(st.reg(r));
    const reg = p && st.mem.get(p.rid);
    out.push(reg ? { rid: reg.rid, kind: reg.kind, label: reg.label, off: p!.off } : undefined);
  }
  return out;
}

function traceEntry(st: VmState, withStack: boolean): TraceEntry {
  const regs = Array.from({ length: 11 }, (_, r) => st.reg(r));
  const frame = st.frames.length;
  const stackRegion = withStack ? st.mem.get(st.stackRids[frame]!) : undefined;
  return {
    pc: st.pc, slot: slotAt(st.code, st.pc), frame, regs, init: st.init, regKinds: regKinds(st),
    ...(stackRegion ? { stack: { bytes: Uint8Array.from(stackRegion.bytes), init: Uint8Array.from(stackRegion.shadow!) } } : {}),
  };
}

function loop(st: VmState, input: RunInput, budget: number, trace: TraceEntry[] | undefined): number {
  if (!trace) return execute(st, budget);
  for (;;) {
    if (st.count >= budget) return execute(st, budget);
    trace.push(traceEntry(st, input.traceStack === true));
    const status = execute(st, st.count + 1);
    if (status === ST_EXIT || status === ST_FAULT) return status;
  }
}

/** Zero the 4 bytes at each of three offsets (the pointer fields of a context output). */
function zero4(b: Uint8Array, a: number, c: number, d: number): void {
  for (let i = 0; i < 4; i++) { b[a + i] = 0; b[c + i] = 0; b[d + i] = 0; }
}

function outputs(st: VmState, vp: VmProgram): { packetOut?: Uint8Array; ctxOut?: Uint8Array } {
  const pkt = st.packetRid ? st.mem.get(st.packetRid) : undefined;
  const ctx = st.ctxRid ? st.mem.get(st.ctxRid) : undefined;
  // The packet and context buffers are the run's own (slab views, never reused): hand them out.
  const ctxOut = ctx?.bytes;
  if (ctxOut && vp.ctxKind === 'xdp') zero4(ctxOut, XDP.data, XDP.data_end, XDP.data_meta);
  if (ctxOut && vp.ctxKind === 'skb') zero4(ctxOut, SKB.data, SKB.data_end, SKB.data_meta);
  const packetOut = st.xdpFrame ? xdpPacketOut(st) : pkt?.bytes;
  return { packetOut, ctxOut };
}

export function runVm(vp: VmProgram, input: RunInput = {}): RunResult {
  vp.env.memory.resetTransient();
  const st = newState(vp, input);
  const stackRid = stackFor(st, 0)!;
  st.lo[10] = ptrLo(MAX_BPF_STACK);
  st.hi[10] = ptrHi(stackRid);
  st.init = 1 << 10;
  setupContext(st, vp, input);
  const budget = input.budget ?? DEFAULT_BUDGET;
  const trace = input.trace ? [] as TraceEntry[] : undefined;
  const prev = accessOptions.uninitStackOk;
  accessOptions.uninitStackOk = input.uninitStackOk === true;
  let status: number;
  try {
    status = loop(st, input, budget, trace);
  } finally {
    accessOptions.uninitStackOk = prev;
  }
  let result: RunResult;
  if (status === ST_EXIT) {
    const { packetOut, ctxOut } = outputs(st, vp);
    // Absent outputs and trace are left out (not undefined), as callers compare results whole.
    if (packetOut && ctxOut && !trace) { // the common shape, built in one go
      result = { kind: 'ok', r0: st.reg(0), packetOut, ctxOut, insnCount: st.count, printk: st.printk };
    } else {
      const ok: RunResult & { kind: 'ok' } = { kind: 'ok', r0: st.reg(0), insnCount: st.count, printk: st.printk };
      if (packetOut) ok.packetOut = packetOut;
      if (ctxOut) ok.ctxOut = ctxOut;
      if (trace) ok.trace = trace;
      result = ok;
    }
  } else {
    if (status !== ST_FAULT) st.raise(st.pc, 'budget', `instruction budget of ${budget} exhausted`);
    result = trace ? { kind: 'fault', fault: st.fault!, insnCount: st.count, trace, printk: st.printk }
      : { kind: 'fault', fault: st.fault!, insnCount: st.count, printk: st.printk };
  }
  pooledState = st;
  return result;
}
