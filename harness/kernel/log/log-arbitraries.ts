/**
 * fast-check arbitraries of verifier-log values in canonical form: the form the kernel log parser
 * produces, so that parse(render(x)) == x is the law to test. Canonical means: a bound field is
 * either absent or differs from the type's default; constants carry the full constant bounds; a
 * field the kernel always prints for a type (ks/vs, r=, sz=, type=) is always present for it;
 * one frame per state.
 */
import fc from 'fast-check';
import {
  constBounds, REG_TYPE_PREFIXES, S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX,
  type FrameState, type LogEvent, type RegState, type ScalarBounds, type StackSlotState, type TnumValue,
  type VerifierState,
} from '../../verifier/state/log-state.ts';

const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
/** Values near the decimal/hex printing boundaries and the type limits are the interesting ones. */
const edgy = (min: bigint, max: bigint): fc.Arbitrary<bigint> => fc.oneof(
  fc.bigInt({ min, max }),
  fc.constantFrom(...[-32769n, -32768n, -1n, 0n, 1n, 32767n, 32768n, 65535n, 65536n, min, max].filter((v) => v >= min && v <= max)),
);

function optionalBound(min: bigint, max: bigint, dflt: bigint): fc.Arbitrary<bigint | undefined> {
  return fc.option(edgy(min, max).filter((v) => v !== dflt), { nil: undefined });
}

const tnumNonConst: fc.Arbitrary<TnumValue | undefined> = fc.option(
  fc.tuple(u64, u64.filter((m) => m !== 0n && m !== U64_MAX)).map(([v, m]) => ({ value: v & ~m, mask: m })),
  { nil: undefined },
);

const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Non-constant bounds, or undefined (fully unknown). */
export const arbRangeBounds: fc.Arbitrary<ScalarBounds | undefined> = fc.record({
  smin: optionalBound(S64_MIN, S64_MAX, S64_MIN), smax: optionalBound(S64_MIN, S64_MAX, S64_MAX),
  umin: optionalBound(0n, U64_MAX, 0n), umax: optionalBound(0n, U64_MAX, U64_MAX),
  smin32: optionalBound(S32_MIN, S32_MAX, S32_MIN), smax32: optionalBound(S32_MIN, S32_MAX, S32_MAX),
  umin32: optionalBound(0n, U32_MAX, 0n), umax32: optionalBound(0n, U32_MAX, U32_MAX),
  varOff: tnumNonConst,
}).map((b) => {
  const c = compact(b);
  return Object.keys(c).length ? c : undefined;
});

const small = fc.integer({ min: 1, max: 70000 });
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

const arbScalar: fc.Arbitrary<RegState> = fc.oneof(
  fc.record({ c: edgy(S64_MIN, U64_MAX), precise: fc.boolean() })
    .map(({ c, precise }) => compact({ type: 'scalar', bounds: constBounds(c), precise: precise || undefined })),
  fc.record({
    bounds: arbRangeBounds, precise: fc.boolean(), id: opt(small), refObjId: opt(small),
    linked: opt(fc.integer({ min: -40000, max: 40000 })),
  }).map(({ bounds, precise, id, refObjId, linked }) => compact({
    type: 'scalar', bounds, precise: precise || undefined, id, refObjId,
    ...(id !== undefined && linked !== undefined ? { addConst: true, off: linked } : {}),
  })),
);

const POINTER_TYPES = ['ctx', 'map_ptr', 'map_value', 'map_key', 'pkt', 'pkt_meta', 'pkt_end', 'mem', 'sock',
  'sock_common', 'tcp_sock', 'flow_keys', 'buf', 'func', 'dynptr_ptr', 'ptr_task_struct', 'ptr_bpf_list_node', 'fp'];

/** A pointer register printed in the `type(...)` form. */
function arbTypedPointer(frameno: number): fc.Arbitrary<RegState> {
  return fc.record({
    type: fc.constantFrom(...POINTER_TYPES),
    flags: fc.subarray([...REG_TYPE_PREFIXES]),
    orNull: fc.boolean(), id: opt(small), refObjId: opt(small), nonOwnRef: fc.boolean(),
    off: opt(fc.integer({ min: -70000, max: 70000 }).filter((n) => n !== 0)),
    keySize: fc.nat(512), valueSize: fc.nat(70000), mapName: opt(fc.stringMatching(/^[a-z_][a-z0-9_]{0,14}$/)),
    range: fc.oneof(fc.nat(70000), fc.constantFrom(-1, -2)), memSize: fc.nat(70000),
    dynptrType: fc.constantFrom('local', 'ringbuf', 'skb', 'xdp'),
    bounds: fc.oneof(arbRangeBounds, edgy(S64_MIN, U64_MAX).filter((v) => v !== 0n).map((v) => constBounds(v))),
    frameno: opt(fc.integer({ min: 0, max: 7 }).filter((f) => f !== frameno)),
  }).map((r) => {
    const map = ['map_ptr', 'map_value', 'map_key'].includes(r.type);
    const fp = r.type === 'fp';
    // An fp with constant bounds prints as fp-8; keep this generator on the typed form.
    const bounds = fp && r.bounds?.varOff?.mask === 0n ? undefined : r.bounds;
    return compact({
      type: r.type, flags: r.flags.length ? r.flags : undefined, orNull: r.orNull || undefined,
      id: r.id, refObjId: r.refObjId, nonOwnRef: r.nonOwnRef || undefined, off: r.off,
      keySize: map ? r.keySize : undefined, valueSize: map ? r.valueSize : undefined,
      mapName: map ? r.mapName : undefined,
      range: r.type === 'pkt' || r.type === 'pkt_meta' ? r.range : undefined,
      memSize: r.type === 'mem' ? r.memSize : undefined,
      dynptrType: r.type === 'dynptr_ptr' ? r.dynptrType : undefined,
      bounds: fp && bounds === undefined ? arbFallbackBounds : bounds,
      frameno: fp ? r.frameno : undefined,
    });
  });
}
/** A non-constant offset for fp(...) so it is not printed as fp-8. */
const arbFallbackBounds: ScalarBounds = { umax: 0xffn, varOff: { value: 0n, mask: 0xffn } };

const arbConstFp = (frameno: number): fc.Arbitrary<RegState> => fc.record({
  off: fc.integer({ min: -512, max: 0 }), frameno: opt(fc.integer({ min: 0, max: 7 }).filter((f) => f !== frameno)),
}).map((r) => compact({ type: 'fp', off: r.off, frameno: r.frameno }));

const FRAMES = [0, 1, 2, 3];
/** Built once per frame number: building arbitraries inside `chain` per sample is slow. */
const REG_BY_FRAME = FRAMES.map((frameno) =>
  fc.oneof(arbScalar, arbTypedPointer(frameno), arbConstFp(frameno), fc.constant<RegState>({ type: 'arena' })));

export const arbReg = (frameno = 0): fc.Arbitrary<RegState> => REG_BY_FRAME[frameno] ?? REG_BY_FRAME[0]!;

const SLOT_BYTES = fc.tuple(fc.stringMatching(/^[?m0f]{7}$/), fc.constantFrom('m', '0', 'f'))
  .map(([a, b]) => a + b);
const SPECIALS = ['dynptr_ringbuf(ref_id=2)', 'dynptr_local(id=1)', 'iter_num(ref_id=1,state=active,depth=0)',
  'iter_num(ref_id=3,state=drained,depth=2)'];

type SlotBody = Omit<StackSlotState, 'off'>;
function arbSlotBody(frameno: number): fc.Arbitrary<SlotBody> {
  return fc.oneof(
    SLOT_BYTES.map((bytes) => ({ bytes })),
    fc.constantFrom(...SPECIALS).map((special) => ({ special })),
    fc.tuple(arbReg(frameno), opt(fc.stringMatching(/^[?m0]{1,7}$/))).filter(([reg, prefix]) =>
      // `???????0` (7 bytes + spilled 0) prints exactly like the non-spill slot `???????0`.
      !(prefix && prefix.length === 7 && reg.type === 'scalar' && reg.bounds?.varOff?.mask === 0n
        && reg.bounds.varOff.value === 0n && !reg.precise))
      .map(([spilled, prefix]) => compact({ spilled, bytes: prefix ? prefix.padEnd(8, 'r') : undefined })),
  );
}
const SLOT_BY_FRAME = FRAMES.map(arbSlotBody);

export const arbFrame: fc.Arbitrary<FrameState> = fc.integer({ min: 0, max: 3 }).chain((frameno) => fc.record({
  regs: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 10 }), arbReg(frameno)), { selector: ([n]) => n, maxLength: 6 })
    .map((entries) => new Map(entries.sort(([a], [b]) => a - b))),
  stack: fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 64 }), SLOT_BY_FRAME[frameno]!), { selector: ([k]) => k, maxLength: 4 })
    .map((slots) => slots.sort(([a], [b]) => a - b).map(([k, body]): StackSlotState => ({ off: -8 * k, ...body }))),
  cb: fc.boolean(), asyncCb: fc.boolean(),
}).map(({ regs, stack, cb, asyncCb }) => compact({
  frameno, regs, stack, inCallbackFn: cb || undefined, inAsyncCallbackFn: asyncCb || undefined,
})));

export const arbState: fc.Arbitrary<VerifierState> = fc.record({
  frame: arbFrame, refs: opt(fc.array(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 3 })),
}).map(({ frame, refs }) => compact({ frames: [frame], refs }));

const nonEmptyState = arbState.filter((s) => {
  const f = s.frames[0]!;
  return f.regs.size + f.stack.length > 0 || !!s.refs || !!f.inCallbackFn || !!f.inAsyncCallbackFn || f.frameno > 0;
});

const INSNS: readonly [number, string][] = [
  [0xbf, 'r2 = r10'], [0x07, 'r2 += -4'], [0x85, 'call bpf_map_lookup_elem#1'], [0x15, 'if r0 == 0x0 goto pc+4'],
  [0x61, 'r6 = *(u32 *)(r1 +0)'], [0x95, 'exit'], [0x85, 'call pc+5'], [0xb4, 'w0 = 7'],
  [0xdb, 'r1 = atomic64_fetch_and((u64 *)(r10 -8), r1)'], [0x18, 'r1 = 0xffff888117b60400'],
];
const arbInsn = fc.constantFrom(...INSNS);
const pc = fc.nat(5000);

/** One event of any kind the parser can tell apart without context. */
export const arbEvent: fc.Arbitrary<LogEvent> = fc.oneof(
  fc.record({ funcId: fc.nat(20), pc }).map((e) => ({ kind: 'func' as const, ...e })),
  fc.record({ pc, live: fc.subarray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), insn: arbInsn, scc: opt(fc.integer({ min: 1, max: 2000 })) })
    .map(({ pc: p, live, insn, scc }) => compact({ kind: 'live_regs' as const, pc: p, live, code: insn[0], text: insn[1], scc })),
  fc.record({ pc, insn: arbInsn, after: opt(arbState) })
    .map(({ pc: p, insn, after }) => compact({ kind: 'insn' as const, pc: p, code: insn[0], text: insn[1], after })),
  fc.record({ from: pc, to: pc, state: arbState, speculative: fc.boolean() })
    .map((e) => compact({ kind: 'branch' as const, ...e, speculative: e.speculative || undefined })),
  fc.record({ pc, from: opt(pc), speculative: fc.boolean() })
    .map((e) => compact({ kind: 'safe' as const, ...e, speculative: e.from !== undefined && e.speculative ? true : undefined })),
  fc.constantFrom('mark_precise: frame0: last_idx 4 first_idx 0 subseq_idx -1 ', 'frame 1: propagating r1,fp-8')
    .map((text) => ({ kind: 'mark_precise' as const, text })),
  fc.record({ text: fc.constantFrom('caller:', 'callee:', 'returning from callee:', 'to caller at 12:'), state: nonEmptyState })
    .map((e) => ({ kind: 'call' as const, ...e })),
  fc.constantFrom('Live regs before insn:', '(0) frame 0 insn 6 +live -8 ', '(0,5) live stack update done in 2 iterations')
    .map((text) => ({ kind: 'note' as const, text })),
);

/** A whole log: context-free events, then a standalone state, an error and the footer. */
export const arbLog: fc.Arbitrary<LogEvent[]> = fc.record({
  body: fc.array(arbEvent, { maxLength: 12 }),
  state: opt(fc.record({ pc, state: arbState })),
  error: opt(fc.constantFrom("R0 invalid mem access 'map_value_or_null'", 'invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)')),
  stats: fc.record({
    processed: fc.nat(1000000), limit: fc.constant(1000000), maxStatesPerInsn: fc.nat(9), totalStates: fc.nat(999),
    peakStates: fc.nat(999), markRead: fc.nat(99), verificationTimeUsec: opt(fc.nat(99999)),
    stackDepth: opt(fc.array(fc.nat(512), { minLength: 1, maxLength: 3 })),
  }),
}).map(({ body, state, error, stats }) => {
  const events: LogEvent[] = [...body];
  // A standalone state right after an insn with the same pc would be that insn's after-state.
  if (state) events.unshift({ kind: 'state', pc: state.pc, state: state.state });
  if (error) events.push({ kind: 'error', text: error });
  events.push({ kind: 'stats', ...compact(stats) });
  return events;
});
