import { describe, it, expect } from 'vitest';
import { type Insn, mkInsn } from './insn.ts';
import { kernelInsnText, kernelListing, listingLine } from './disasm.ts';

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => mkInsn(code, dst, src, off, imm);
const ld64 = (dst: number, src: number, lo: number, hi: number): Insn =>
  ({ code: 0x18, dst, src, off: 0, imm: lo, hi: { code: 0, dst: 0, src: 0, off: 0, imm: hi } });

// Expected strings written by hand from kernel/bpf/disasm.c print_bpf_insn (6.18) format strings.
const TABLE: Array<[string, Insn, string]> = [
  ['mov64 imm', I(0xb7, 0, 0, 0, 1), '(b7) r0 = 1'],
  ['mov64 reg', I(0xbf, 2, 10, 0, 0), '(bf) r2 = r10'],
  ['add64 negative imm', I(0x07, 2, 0, 0, -4), '(07) r2 += -4'],
  ['sub64 imm', I(0x17, 1, 0, 0, -5), '(17) r1 -= -5'],
  ['arsh32 imm', I(0xc4, 0, 0, 0, 3), '(c4) w0 s>>= 3'],
  ['add32 reg', I(0x0c, 1, 2, 0, 0), '(0c) w1 += w2'],
  ['sdiv64 reg', I(0x3f, 0, 1, 1, 0), '(3f) r0 s/= r1'],
  ['smod64 imm', I(0x97, 0, 0, 1, 3), '(97) r0 s%= 3'],
  ['movsx64 s8', I(0xbf, 1, 2, 8, 0), '(bf) r1 = (s8)r2'],
  ['movsx32 s16', I(0xbc, 1, 2, 16, 0), '(bc) w1 = (s16)w2'],
  ['movsx64 s32', I(0xbf, 3, 4, 32, 0), '(bf) r3 = (s32)r4'],
  ['neg64', I(0x87, 0, 0, 0, 0), '(87) r0 = -r0'],
  ['neg32', I(0x84, 5, 0, 0, 0), '(84) w5 = -w5'],
  ['be16', I(0xdc, 0, 0, 0, 16), '(dc) r0 = be16 r0'],
  ['le32', I(0xd4, 3, 0, 0, 32), '(d4) r3 = le32 r3'],
  ['bswap64', I(0xd7, 0, 0, 0, 64), '(d7) r0 = bswap64 r0'],
  ['addr_space_cast', I(0xbf, 1, 2, 1, 1), '(bf) r1 = addr_space_cast(r2, 0, 1)'],
  ['addr_space_cast to 1', I(0xbf, 1, 2, 1, 0x10000), '(bf) r1 = addr_space_cast(r2, 1, 0)'],
  ['ldx u32', I(0x61, 6, 1, 0, 0), '(61) r6 = *(u32 *)(r1 +0)'],
  ['ldx u64 negative off', I(0x79, 1, 10, -8, 0), '(79) r1 = *(u64 *)(r10 -8)'],
  ['ldsx s8', I(0x91, 1, 2, 0, 0), '(91) r1 = *(s8 *)(r2 +0)'],
  ['ldsx s16', I(0x89, 1, 2, 6, 0), '(89) r1 = *(s16 *)(r2 +6)'],
  ['st u32', I(0x62, 10, 0, -4, 0), '(62) *(u32 *)(r10 -4) = 0'],
  ['st u64 negative imm', I(0x7a, 10, 0, -8, -1), '(7a) *(u64 *)(r10 -8) = -1'],
  ['stx u16', I(0x6b, 1, 3, 2, 0), '(6b) *(u16 *)(r1 +2) = r3'],
  ['atomic add', I(0xdb, 1, 2, 0, 0x00), '(db) lock *(u64 *)(r1 +0) += r2'],
  ['atomic and32', I(0xc3, 1, 2, 4, 0x50), '(c3) lock *(u32 *)(r1 +4) &= r2'],
  ['atomic fetch add64', I(0xdb, 1, 0, 0, 0x01), '(db) r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)'],
  ['atomic fetch xor32', I(0xc3, 10, 3, -8, 0xa1), '(c3) r3 = atomic_fetch_xor((u32 *)(r10 -8), r3)'],
  ['xchg64', I(0xdb, 10, 2, -8, 0xe1), '(db) r2 = atomic64_xchg((u64 *)(r10 -8), r2)'],
  ['cmpxchg64', I(0xdb, 10, 1, -8, 0xf1), '(db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)'],
  ['load_acquire u8', I(0xd3, 0, 1, 0, 0x100), '(d3) r0 = load_acquire((u8 *)(r1 +0))'],
  ['store_release u64', I(0xdb, 1, 2, 0, 0x110), '(db) store_release((u64 *)(r1 +0), r2)'],
  ['ld_abs', I(0x30, 0, 0, 0, 23), '(30) r0 = *(u8 *)skb[23]'],
  ['ld_ind', I(0x48, 0, 1, 0, 3), '(48) r0 = *(u16 *)skb[r1 + 3]'],
  ['ld_ind negative', I(0x40, 0, 1, 0, -3), '(40) r0 = *(u32 *)skb[r1 + -3]'],
  ['ld_imm64', ld64(1, 0, 0x23456789, 1), '(18) r1 = 0x123456789'],
  ['ld_imm64 func', ld64(2, 4, -3, 0), '(18) r2 = 0xfffffffd'],
  ['jeq imm', I(0x15, 0, 0, 4, 0), '(15) if r0 == 0x0 goto pc+4'],
  ['jgt imm', I(0x25, 6, 0, 2, 100), '(25) if r6 > 0x64 goto pc+2'],
  ['jne -1', I(0x55, 1, 0, -3, -1), '(55) if r1 != 0xffffffff goto pc-3'],
  ['jsgt', I(0x65, 1, 0, 2, 4), '(65) if r1 s> 0x4 goto pc+2'],
  ['jmp32 reg', I(0x2e, 1, 2, 3, 0), '(2e) if w1 > w2 goto pc+3'],
  ['jset reg', I(0x4d, 1, 2, 0, 0), '(4d) if r1 & r2 goto pc+0'],
  ['jsle32 imm', I(0xd6, 3, 0, 1, 7), '(d6) if w3 s<= 0x7 goto pc+1'],
  ['ja', I(0x05, 0, 0, -3, 0), '(05) goto pc-3'],
  ['gotol', I(0x06, 0, 0, 0, 5), '(06) gotol pc+5'],
  ['may_goto', I(0xe5, 0, 0, 2, 0), '(e5) may_goto pc+2'],
  ['helper call', I(0x85, 0, 0, 0, 1), '(85) call bpf_map_lookup_elem#1'],
  ['helper call 211', I(0x85, 0, 0, 0, 211), '(85) call bpf_cgrp_storage_delete#211'],
  ['unknown helper', I(0x85, 0, 0, 0, 999), '(85) call unknown#999'],
  ['bpf-to-bpf call', I(0x85, 0, 1, 0, 5), '(85) call pc+5'],
  ['bpf-to-bpf call back', I(0x85, 0, 1, 0, -7), '(85) call pc-7'],
  ['kfunc call, no name', I(0x85, 0, 2, 0, 65232), '(85) call kernel-function#65232'],
  ['exit', I(0x95, 0, 0, 0, 0), '(95) exit'],
];

describe('kernelInsnText: the verifier log text', () => {
  it.each(TABLE)('%s', (_name, insn, text) => {
    expect(kernelInsnText(insn)).toBe(text);
  });

  it('prints the resolved map address and kfunc names through callbacks', () => {
    const map = ld64(1, 5, 0, 0);
    expect(kernelInsnText(map, { ldImm64Value: () => 0xffff888117b60400n })).toBe('(18) r1 = 0xffff888117b60400');
    const kf = I(0x85, 0, 2, 0, 65232);
    expect(kernelInsnText(kf, { kfuncName: (id) => (id === 65232 ? 'bpf_obj_new_impl' : undefined) }))
      .toBe('(85) call bpf_obj_new_impl#65232');
  });

  it('numbers listing lines by slot, as the log does', () => {
    const lines = kernelListing([ld64(1, 0, 7, 0), I(0xbf, 2, 10, 0, 0), I(0x95, 0, 0, 0, 0)]);
    expect(lines).toEqual(['0: (18) r1 = 0x7', '2: (bf) r2 = r10', '3: (95) exit']);
  });
});

describe('listingLine', () => {
  it('keeps the ld_imm64 pseudo kind and marks 64-bit constants with ll', () => {
    expect(listingLine(ld64(1, 5, 0, 0))).toBe('r1 = map[0] ll');
    expect(listingLine(ld64(1, 6, 2, 16))).toBe('r1 = map_value[2] + 16 ll');
    expect(listingLine(ld64(3, 4, -3, 0))).toBe('r3 = func[pc-3] ll');
    expect(listingLine(ld64(0, 0, 0x1234, 0))).toBe('r0 = 0x1234 ll');
  });

  it('writes invalid instructions as .raw with the rule', () => {
    expect(listingLine(I(0xff, 0, 0, 0, 0))).toBe('.raw ff00000000000000 // invalid: unknown opcode 0xff');
    expect(listingLine(I(0xb7, 0, 1, 0, 0))).toBe('.raw b710000000000000 // invalid: opcode 0xb7 (mov64): src=1 must be 0');
    const garbageHi: Insn = { ...ld64(1, 0, 0, 0), hi: { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 } };
    expect(listingLine(garbageHi)).toMatch(/^\.raw 18010000000000009500000000000000 \/\/ invalid: ld_imm64/);
  });
});
