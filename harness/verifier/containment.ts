/**
 * The state-containment oracle for the model: at every instruction a concrete run executed, the
 * concrete registers must lie inside one of the abstract states the model reached there (scalars
 * inside their tnum and ranges, pointers into the right kind of region at an offset inside the
 * pointer's fixed + variable offset). Registers the model considers uninitialized are free.
 */
import { scalarContains } from './domains/scalar.ts';
import type { Reg } from './state/reg.ts';
import type { VState } from './state/vstate.ts';

/** The VM's view of one executed instruction (harness/vm TraceEntry, structurally). */
export interface ConcreteStep {
  readonly slot: number;
  readonly frame: number;
  readonly regs: readonly bigint[];
  readonly regKinds: ReadonlyArray<{ readonly kind: string; readonly label: string; readonly off: number } | undefined>;
}

export interface ContainmentViolation {
  readonly slot: number;
  readonly reg: number;
  readonly concrete: string;
  readonly abstract: string;
}

const REGION_OF: Readonly<Record<string, string>> = {
  fp: 'stack', ctx: 'ctx', pkt: 'packet', pkt_end: 'packet', map_value: 'map_value', map_ptr: 'map', mem: 'mem', func: 'func',
};

function regContains(a: Reg, value: bigint, kind: ConcreteStep['regKinds'][number]): boolean {
  if (a.type === 'not_init') return true;
  if (a.type === 'scalar') return scalarContains(a.s, value);
  if (!kind) return value === 0n && (a.flags & 1) !== 0; // NULL of an _or_null pointer
  const want = REGION_OF[a.type];
  const region = a.type === 'mem' && kind.kind === 'ringbuf_record' ? 'mem' : kind.kind;
  if (want && want !== region) return false;
  let off = BigInt(kind.off);
  if (a.type === 'fp') {
    off -= 512n;
    const m = /frame (\d+)/.exec(kind.label);
    if (m && Number(m[1]) !== a.frameno) return false;
  }
  if (a.type === 'pkt_end' || a.type === 'map_ptr' || a.type === 'func' || a.type === 'ctx' && a.off === 0) return true;
  return scalarContains(a.s, BigInt.asUintN(64, off - BigInt(a.off)));
}

function stateContains(st: VState, step: ConcreteStep, live: number): number {
  if (st.frames.length - 1 !== step.frame) return 0;
  const regs = st.frames[st.frames.length - 1]!.regs;
  for (let r = 0; r < 11; r++) {
    if (r < 10 && !(live & (1 << r))) continue;
    if (!regContains(regs[r]!, step.regs[r]!, step.regKinds[r])) return -(r + 1);
  }
  return 1;
}

/** The first instruction of `trace` whose concrete state no abstract state at that slot holds. */
/** `live[slot]`: registers live before the slot (dead ones are not compared: pruning ignores
 * them, so the states reaching later instructions may hold other values for them). */
export function checkContainment(statesAt: Map<number, VState[]>, live: Uint16Array, trace: readonly ConcreteStep[]): ContainmentViolation | undefined {
  for (const step of trace) {
    const states = statesAt.get(step.slot) ?? [];
    let worst = -1;
    let ok = false;
    for (const st of states) {
      const r = stateContains(st, step, step.frame === st.frames.length - 1 ? live[step.slot]! : 0xffff);
      if (r === 1) { ok = true; break; }
      if (r < 0) worst = -r - 1;
    }
    if (!ok) {
      const reg = Math.max(worst, 0);
      const a = states[0]?.frames[states[0].frames.length - 1]?.regs[reg];
      return {
        slot: step.slot, reg, concrete: `0x${step.regs[reg]!.toString(16)} ${step.regKinds[reg]?.kind ?? ''}@${step.regKinds[reg]?.off ?? ''}`,
        abstract: a ? `${a.type} off=${a.off} ${JSON.stringify(a.s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}` : `no state (${states.length})`,
      };
    }
  }
  return undefined;
}
