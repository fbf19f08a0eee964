import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decode } from '../isa/codec.ts';
import { type Insn, mkInsn, mkLdImm64 } from '../isa/insn.ts';
import { OPCODES } from '../isa/opcodes.ts';
import type { MapDef, Program, ProgType } from '../isa/program.ts';
import { verify } from './index.ts';

const prog = (insns: Insn[], progType: ProgType = 'socket_filter', maps: MapDef[] = []): Program => ({ progType, insns, maps });
const I = mkInsn;
const EXIT = I(0x95, 0, 0, 0, 0);
const MOV0 = I(0xb7, 0, 0, 0, 0);
const HASH: MapDef = { type: 'hash', keySize: 8, valueSize: 8, maxEntries: 1 };

describe('verify never throws', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 * 40 }).map((b) => b.subarray(0, b.length - (b.length % 8))), (bytes) => {
      let insns: Insn[];
      try { insns = decode(bytes); } catch { return true; }
      if (insns.length === 0) return true;
      const r = verify(prog(insns));
      expect(['accept', 'reject']).toContain(r.verdict);
      return true;
    }), { numRuns: 400 });
  });

  it('on instruction soup drawn from the opcode table', () => {
    const reg = fc.integer({ min: 0, max: 10 });
    const insn = fc.tuple(fc.constantFrom(...OPCODES), reg, reg, fc.integer({ min: -4, max: 8 }), fc.integer({ min: -16, max: 64 }))
      .map(([row, d, s, off, imm]): Insn => (row.kind === 'ld_imm64' ? mkLdImm64(d, s % 7, BigInt(imm)) : I(row.code, d, row.kind === 'call' ? 0 : s, row.kind === 'alu' ? 0 : off, imm)));
    const types: ProgType[] = ['socket_filter', 'sched_cls', 'xdp', 'raw_tracepoint'];
    fc.assert(fc.property(fc.array(insn, { minLength: 1, maxLength: 30 }), fc.constantFrom(...types), (body, t) => {
      const r = verify(prog([MOV0, ...body, EXIT], t, [HASH]));
      expect(['accept', 'reject']).toContain(r.verdict);
      expect(r.insnsProcessed).toBeGreaterThanOrEqual(0);
    }), { numRuns: 400 });
  });
});

describe('kernel texts for hand-written programs', () => {
  const cases: [string, Insn[], 'accept' | string][] = [
    ['r0 = 0; exit', [MOV0, EXIT], 'accept'],
    ['exit without r0', [EXIT], 'R0 !read_ok'],
    ['read of an uninitialized register', [I(0xbf, 0, 2, 0, 0), EXIT], 'R2 !read_ok'],
    ['jump out of range', [MOV0, I(0x05, 0, 0, 5, 0), EXIT], 'jump out of range from insn 1 to 7'],
    ['unreachable insn', [MOV0, EXIT, EXIT], 'unreachable insn 2'],
    ['last insn', [MOV0], 'last insn is not an exit or jmp'],
    ['unknown opcode', [MOV0, I(0x8d, 0, 0, 0, 0), EXIT], 'unknown opcode 8d'],
    ['scalar dereference', [MOV0, I(0x79, 0, 0, 0, 0), EXIT], "R0 invalid mem access 'scalar'"],
    ['frame pointer write', [I(0xb7, 10, 0, 0, 0), MOV0, EXIT], 'frame pointer is read only'],
    ['ctx out of range', [I(0x61, 0, 1, 200, 0), EXIT], 'invalid bpf_context access off=200 size=4'],
    ['stack out of range', [I(0x7a, 10, 0, 8, 0), MOV0, EXIT], 'invalid write to stack R10 off=8 size=8'],
    ['div by zero constant', [MOV0, I(0x37, 0, 0, 0, 0), EXIT], 'div by zero'],
    ['invalid shift', [MOV0, I(0x67, 0, 0, 0, 64), EXIT], 'invalid shift 64'],
    ['uninit stack read is allowed for root', [I(0x79, 0, 10, -8, 0), EXIT], 'accept'],
    ['ALU reserved fields', [MOV0, I(0x07, 0, 1, 0, 1), EXIT], 'BPF_ALU uses reserved fields'],
  ];
  for (const [name, insns, want] of cases) {
    it(name, () => {
      const r = verify(prog(insns));
      if (want === 'accept') expect(r.error).toBeUndefined();
      else expect(r.error).toBe(want);
      expect(r.verdict).toBe(want === 'accept' ? 'accept' : 'reject');
    });
  }

  it('map lookup needs a null check', () => {
    const body = [
      I(0x7a, 10, 0, -8, 0), I(0xbf, 2, 10, 0, 0), I(0x07, 2, 0, 0, -8), mkLdImm64(1, 5, 0n),
      I(0x85, 0, 0, 0, 1), I(0x79, 0, 0, 0, 0), EXIT,
    ];
    const r = verify(prog(body, 'socket_filter', [HASH]));
    expect(r.error).toBe("R0 invalid mem access 'map_value_or_null'");
    const ok = [...body.slice(0, 5), I(0x15, 0, 0, 1, 0), I(0x79, 0, 0, 0, 0), EXIT];
    expect(verify(prog(ok, 'socket_filter', [HASH])).verdict).toBe('accept');
  });

  it('map value bounds', () => {
    const body = [
      I(0x7a, 10, 0, -8, 0), I(0xbf, 2, 10, 0, 0), I(0x07, 2, 0, 0, -8), mkLdImm64(1, 5, 0n),
      I(0x85, 0, 0, 0, 1), I(0x15, 0, 0, 1, 0), I(0x79, 0, 0, 8, 0), EXIT,
    ];
    const r = verify(prog(body, 'socket_filter', [HASH]));
    expect(r.error).toBe('R0 min value is outside of the allowed memory range');
  });

  it('counts processed instructions as the kernel does for straight-line code', () => {
    const body = [MOV0, I(0x07, 0, 0, 0, 1), I(0x07, 0, 0, 0, 1), EXIT];
    expect(verify(prog(body)).insnsProcessed).toBe(4);
  });
});

describe('byte swaps keep what is known (6.18 tracks BPF_END)', () => {
  // Both found by the 10-minute campaign against Linux 6.18 (verdict differential: the model
  // rejected, the kernel accepted), minimized by the campaign.
  it('a swapped constant is still a constant: fp += bswap64(0) is allowed', () => {
    const r = verify(prog([MOV0, I(0xbf, 2, 10, 0, 0), I(0xd7, 0, 0, 0, 64), I(0xbf, 1, 0, 0, 0), I(0x0f, 2, 1, 0, 0), EXIT]));
    expect(r.verdict).toBe('accept');
  });
  it('bswap32 leaves at most 32 bits, so a compare with u64 max decides the branch', () => {
    // call get_prandom_u32; r2 = r0; r1 = -1 ll; r2 = bswap32 r2; if r2 != r1 goto +1; r4 s/= 0; exit
    const r = verify(prog([I(0x85, 0, 0, 0, 7), I(0xbf, 2, 0, 0, 0), mkLdImm64(1, 0, 0xffffffffffffffffn), I(0xd7, 2, 0, 0, 32),
      I(0x5d, 2, 1, 1, 0), I(0x37, 4, 0, 1, 0), I(0xb7, 0, 0, 0, 0), EXIT]));
    expect(r.verdict).toBe('accept');
  });
});

describe('helper argument types (6.18 texts)', () => {
  it('a map key must be memory: the kernel lists every memory type', () => {
    // r1 = map[0] ll; r2 = 0; call bpf_map_lookup_elem; r0 = 0; exit  (the live kernel's text, found by the campaign)
    const r = verify(prog([mkLdImm64(1, 5, 0n), I(0xb7, 2, 0, 0, 0), I(0x85, 0, 0, 0, 1), MOV0, EXIT], 'socket_filter', [HASH]));
    expect(r.error).toBe('R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_');
  });
});

describe('a map pointer is never NULL (reg_not_null has CONST_PTR_TO_MAP in 6.18)', () => {
  // r1 = map[0] ll; if (w)r1 == 0 goto +1; r0 = 0; exit -- the taken side would exit with r0 unset
  const cmpMapPtr = (code: number) => prog([mkLdImm64(1, 5, 0n), I(code, 1, 0, 1, 0), MOV0, EXIT], 'socket_filter', [HASH]);
  it('decides `if r1 == 0` and `if w1 == 0` as never taken (campaign entry 4af777)', () => {
    expect(verify(cmpMapPtr(0x15))).toMatchObject({ verdict: 'accept', insnsProcessed: 4 });
    expect(verify(cmpMapPtr(0x16))).toMatchObject({ verdict: 'accept', insnsProcessed: 4 });
  });
});
