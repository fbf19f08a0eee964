/**
 * The fast interpreter: one loop, one switch on the internal opcode byte (xop.ts), registers as
 * 32-bit halves in Int32Arrays, the program as one flat array of int32 code words (code-layout.ts).
 * It runs until exit, a fault, or `limit` executed instructions (the budget; tracing steps with limit = count + 1,
 * so the untraced path pays nothing for tracing).
 *
 * Per instruction it checks only what the code cannot know statically: that the registers the
 * instruction reads are initialized (readMask against `init`). Memory goes through access.ts;
 * calls, exits, tail calls, legacy packet loads through calls.ts. ALU, JMP, load and store
 * semantics equal reference.ts (alu-fast.test.ts, interp.test.ts).
 */
import * as alu from './alu-fast.ts';
import * as access from './access.ts';
import * as calls from './calls.ts';
import type { VmState } from './state.ts';
import { slotAt } from './load.ts';

// Module-local copies of the imported functions: a call through an import binding may compile
// to a getter call (CommonJS interop of the TypeScript loader), which costs more than the
// operation itself in this loop.
const { add64, arsh64, div32, div64, end, jge, jgt, jsge, jsgt, lsh64, mod32, mod64, mul64, neg64, rsh64, sdiv32, sdiv64,
  smod32, smod64, sub64 } = alu;
const { memAtomic, memLoad, memStore } = access;

export const ST_EXIT = 0;
export const ST_FAULT = 1;
export const ST_STOP = 2;

function uninitFault(st: VmState, pc: number, missing: number): void {
  const r = 31 - Math.clz32(missing & -missing);
  st.raise(pc, 'uninit_reg', `R${r} !read_ok (read of a register that was never written or was clobbered by a call)`);
}

export function execute(st: VmState, limit: number): number {
  let code = st.code;
  let C = code.c;
  const lo = st.lo, hi = st.hi;
  let pc = st.pc, count = st.count, init = st.init;
  for (;;) {
    if (count >= limit) { st.pc = pc; st.count = count; st.init = init; return ST_STOP; }
    count++;
    const b = pc << 2; // pc * STRIDE
    const m = C[b + 2]!; // F_MASK
    const miss = m & 0xffff & ~init;
    if (miss !== 0) { st.pc = pc; st.count = count; st.init = init; uninitFault(st, pc, miss); return ST_FAULT; }
    init |= m >>> 16;
    const w = C[b]!; // F_OP
    const d = (w >>> 8) & 15, s = (w >>> 12) & 15, k = C[b + 1]!; // F_IMM
    switch (w & 0xff) {
      // ---- ALU64 ----
      case 0x07: add64(lo, hi, d, k, k >> 31); break;
      case 0x0f: add64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0x17: sub64(lo, hi, d, k, k >> 31); break;
      case 0x1f: sub64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0x27: mul64(lo, hi, d, k, k >> 31); break;
      case 0x2f: mul64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0x37: div64(lo, hi, d, k, k >> 31); break;
      case 0x3f: div64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0xe7: sdiv64(lo, hi, d, k, k >> 31); break;
      case 0xef: sdiv64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0x47: lo[d] = lo[d]! | k; hi[d] = hi[d]! | (k >> 31); break;
      case 0x4f: lo[d] = lo[d]! | lo[s]!; hi[d] = hi[d]! | hi[s]!; break;
      case 0x57: lo[d] = lo[d]! & k; hi[d] = hi[d]! & (k >> 31); break;
      case 0x5f: lo[d] = lo[d]! & lo[s]!; hi[d] = hi[d]! & hi[s]!; break;
      case 0x67: lsh64(lo, hi, d, k); break;
      case 0x6f: lsh64(lo, hi, d, lo[s]!); break;
      case 0x77: rsh64(lo, hi, d, k); break;
      case 0x7f: rsh64(lo, hi, d, lo[s]!); break;
      case 0x87: neg64(lo, hi, d); break;
      case 0x97: mod64(lo, hi, d, k, k >> 31); break;
      case 0x9f: mod64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0xf7: smod64(lo, hi, d, k, k >> 31); break;
      case 0xff: smod64(lo, hi, d, lo[s]!, hi[s]!); break;
      case 0xa7: lo[d] = lo[d]! ^ k; hi[d] = hi[d]! ^ (k >> 31); break;
      case 0xaf: lo[d] = lo[d]! ^ lo[s]!; hi[d] = hi[d]! ^ hi[s]!; break;
      case 0xb7: lo[d] = k; hi[d] = k >> 31; break;
      case 0xbf: lo[d] = lo[s]!; hi[d] = hi[s]!; break;
      case 0xed: lo[d] = (lo[s]! << 24) >> 24; hi[d] = lo[d]! >> 31; break;
      case 0xf5: lo[d] = (lo[s]! << 16) >> 16; hi[d] = lo[d]! >> 31; break;
      case 0xfd: lo[d] = lo[s]!; hi[d] = lo[s]! >> 31; break;
      case 0xc7: arsh64(lo, hi, d, k); break;
      case 0xcf: arsh64(lo, hi, d, lo[s]!); break;
      case 0xd7: end(lo, hi, d, k, true); break;
      // ---- ALU32 (results zero-extended) ----
      case 0x04: lo[d] = (lo[d]! + k) | 0; hi[d] = 0; break;
      case 0x0c: lo[d] = (lo[d]! + lo[s]!) | 0; hi[d] = 0; break;
      case 0x14: lo[d] = (lo[d]! - k) | 0; hi[d] = 0; break;
      case 0x1c: lo[d] = (lo[d]! - lo[s]!) | 0; hi[d] = 0; break;
      case 0x24: lo[d] = Math.imul(lo[d]!, k); hi[d] = 0; break;
      case 0x2c: lo[d] = Math.imul(lo[d]!, lo[s]!); hi[d] = 0; break;
      case 0x34: lo[d] = div32(lo[d]!, k); hi[d] = 0; break;
      case 0x3c: lo[d] = div32(lo[d]!, lo[s]!); hi[d] = 0; break;
      case 0xe4: lo[d] = sdiv32(lo[d]!, k); hi[d] = 0; break;
      case 0xec: lo[d] = sdiv32(lo[d]!, lo[s]!); hi[d] = 0; break;
      case 0x44: lo[d] = lo[d]! | k; hi[d] = 0; break;
      case 0x4c: lo[d] = lo[d]! | lo[s]!; hi[d] = 0; break;
      case 0x54: lo[d] = lo[d]! & k; hi[d] = 0; break;
      case 0x5c: lo[d] = lo[d]! & lo[s]!; hi[d] = 0; break;
      case 0x64: lo[d] = lo[d]! << (k & 31); hi[d] = 0; break;
      case 0x6c: lo[d] = lo[d]! << (lo[s]! & 31); hi[d] = 0; break;
      case 0x74: lo[d] = lo[d]! >>> (k & 31); hi[d] = 0; break;
      case 0x7c: lo[d] = lo[d]! >>> (lo[s]! & 31); hi[d] = 0; break;
      case 0x84: lo[d] = -lo[d]! | 0; hi[d] = 0; break;
      case 0x94: lo[d] = mod32(lo[d]!, k); hi[d] = 0; break;
      case 0x9c: lo[d] = mod32(lo[d]!, lo[s]!); hi[d] = 0; break;
      case 0xf4: lo[d] = smod32(lo[d]!, k); hi[d] = 0; break;
      case 0xfc: lo[d] = smod32(lo[d]!, lo[s]!); hi[d] = 0; break;
      case 0xa4: lo[d] = lo[d]! ^ k; hi[d] = 0; break;
      case 0xac: lo[d] = lo[d]! ^ lo[s]!; hi[d] = 0; break;
      case 0xb4: lo[d] = k; hi[d] = 0; break;
      case 0xbc: lo[d] = lo[s]!; hi[d] = 0; break;
      case 0xe6: lo[d] = (lo[s]! << 24) >> 24; hi[d] = 0; break;
      case 0xee: lo[d] = (lo[s]! << 16) >> 16; hi[d] = 0; break;
      case 0xc4: lo[d] = lo[d]! >> (k & 31); hi[d] = 0; break;
      case 0xcc: lo[d] = lo[d]! >> (lo[s]! & 31); hi[d] = 0; break;
      case 0xd4: end(lo, hi, d, k, false); break;
      case 0xdc: end(lo, hi, d, k, true); break;
      // ---- JMP (64-bit compares; K is imm sign-extended) ----
      case 0x05: pc = C[b + 3]!; continue;
      case 0x15: if (lo[d] === k && hi[d] === k >> 31) { pc = C[b + 3]!; continue; } break;
      case 0x1d: if (lo[d] === lo[s] && hi[d] === hi[s]) { pc = C[b + 3]!; continue; } break;
      case 0x55: if (lo[d] !== k || hi[d] !== k >> 31) { pc = C[b + 3]!; continue; } break;
      case 0x5d: if (lo[d] !== lo[s] || hi[d] !== hi[s]) { pc = C[b + 3]!; continue; } break;
      case 0x45: if ((lo[d]! & k) !== 0 || (hi[d]! & (k >> 31)) !== 0) { pc = C[b + 3]!; continue; } break;
      case 0x4d: if ((lo[d]! & lo[s]!) !== 0 || (hi[d]! & hi[s]!) !== 0) { pc = C[b + 3]!; continue; } break;
      case 0x25: if (jgt(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0x2d: if (jgt(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0x35: if (jge(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0x3d: if (jge(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0xa5: if (!jge(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0xad: if (!jge(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0xb5: if (!jgt(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0xbd: if (!jgt(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0x65: if (jsgt(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0x6d: if (jsgt(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0x75: if (jsge(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0x7d: if (jsge(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0xc5: if (!jsge(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0xcd: if (!jsge(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      case 0xd5: if (!jsgt(hi[d]!, lo[d]!, k >> 31, k)) { pc = C[b + 3]!; continue; } break;
      case 0xdd: if (!jsgt(hi[d]!, lo[d]!, hi[s]!, lo[s]!)) { pc = C[b + 3]!; continue; } break;
      // ---- JMP32 (low halves) ----
      case 0x06: pc = C[b + 3]!; continue;
      case 0x16: if (lo[d] === k) { pc = C[b + 3]!; continue; } break;
      case 0x1e: if (lo[d] === lo[s]) { pc = C[b + 3]!; continue; } break;
      case 0x56: if (lo[d] !== k) { pc = C[b + 3]!; continue; } break;
      case 0x5e: if (lo[d] !== lo[s]) { pc = C[b + 3]!; continue; } break;
      case 0x46: if ((lo[d]! & k) !== 0) { pc = C[b + 3]!; continue; } break;
      case 0x4e: if ((lo[d]! & lo[s]!) !== 0) { pc = C[b + 3]!; continue; } break;
      case 0x26: if ((lo[d]! >>> 0) > (k >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0x2e: if ((lo[d]! >>> 0) > (lo[s]! >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0x36: if ((lo[d]! >>> 0) >= (k >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0x3e: if ((lo[d]! >>> 0) >= (lo[s]! >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0xa6: if ((lo[d]! >>> 0) < (k >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0xae: if ((lo[d]! >>> 0) < (lo[s]! >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0xb6: if ((lo[d]! >>> 0) <= (k >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0xbe: if ((lo[d]! >>> 0) <= (lo[s]! >>> 0)) { pc = C[b + 3]!; continue; } break;
      case 0x66: if (lo[d]! > k) { pc = C[b + 3]!; continue; } break;
      case 0x6e: if (lo[d]! > lo[s]!) { pc = C[b + 3]!; continue; } break;
      case 0x76: if (lo[d]! >= k) { pc = C[b + 3]!; continue; } break;
      case 0x7e: if (lo[d]! >= lo[s]!) { pc = C[b + 3]!; continue; } break;
      case 0xc6: if (lo[d]! < k) { pc = C[b + 3]!; continue; } break;
      case 0xce: if (lo[d]! < lo[s]!) { pc = C[b + 3]!; continue; } break;
      case 0xd6: if (lo[d]! <= k) { pc = C[b + 3]!; continue; } break;
      case 0xde: if (lo[d]! <= lo[s]!) { pc = C[b + 3]!; continue; } break;
      // ---- loads and stores ----
      case 0x18: lo[d] = k; hi[d] = C[b + 3]!; break; // F_IMM2 (the F_TGT word: ld_imm64 has no target)
      case 0x61: case 0x69: case 0x71: case 0x79: case 0x81: case 0x89: case 0x91: {
        const x = w & 0xff;
        const size = SIZE_OF[x & 0x18]!;
        if (!memLoad(st, pc, hi[s]!, lo[s]!, w >> 16, size, x >= 0x80)) { st.count = count; st.init = init; return ST_FAULT; }
        lo[d] = st.vlo; hi[d] = st.vhi;
        break;
      }
      case 0x62: case 0x6a: case 0x72: case 0x7a:
        if (!memStore(st, pc, hi[d]!, lo[d]!, w >> 16, SIZE_OF[w & 0x18]!, k, k >> 31)) { st.count = count; st.init = init; return ST_FAULT; }
        break;
      case 0x63: case 0x6b: case 0x73: case 0x7b:
        if (!memStore(st, pc, hi[d]!, lo[d]!, w >> 16, SIZE_OF[w & 0x18]!, lo[s]!, hi[s]!)) { st.count = count; st.init = init; return ST_FAULT; }
        break;
      case 0xc3: case 0xcb: case 0xd3: case 0xdb:
        if (!memAtomic(st, pc, d, s, w >> 16, SIZE_OF[w & 0x18]!, k)) { st.count = count; st.init = init; return ST_FAULT; }
        break;
      // ---- control transfer through calls.ts (may switch program or frame) ----
      default: {
        st.count = count; st.init = init;
        const next = slowOp(st, pc, w & 0xff);
        if (next < 0) return next === -2 ? ST_EXIT : ST_FAULT;
        init = st.init;
        if (st.code !== code) { code = st.code; C = code.c; }
        pc = next;
        continue;
      }
    }
    pc++;
  }
}

const SIZE_OF: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };

/** Instructions that are not hot: next pc, -1 on fault, -2 on the final exit. */
function slowOp(st: VmState, pc: number, x: number): number {
  switch (x) {
    case 0x85: return calls.doCall(st, pc);
    case 0x8d: return calls.doCallx(st, pc);
    case 0x95: return calls.doExit(st, pc);
    case 0xe5: return calls.doMayGoto(st, pc);
    case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50: return calls.doLdAbs(st, pc, x);
    case 0x00: return st.raise(pc, 'fell_off_end', `control fell off the end of the program after insn ${slotAt(st.code, pc) - 1}`);
    default: return st.raise(pc, 'unsupported', `opcode 0x${x.toString(16)} is not supported by the VM`);
  }
}
