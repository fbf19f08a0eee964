import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { assemble, assembleInsns } from './asm.ts';
import { encodeHex } from './codec.ts';
import { UserError } from '../errors.ts';

const hexOf = (text: string): string => encodeHex(assembleInsns(text));

// Expected bytes written by hand from the instruction encoding (code, src<<4|dst, off LE16, imm LE32).
const FORMS: Array<[string, string]> = [
  ['r0 = 0', 'b700000000000000'],
  ['w1 += w2', '0c21000000000000'],
  ['r1 = r10', 'bfa1000000000000'],
  ['r0 <<= 3', '6700000003000000'],
  ['w0 s>>= 3', 'c400000003000000'],
  ['if r1 s> 0x4 goto pc+2', '6501020004000000'],
  ['if w1 > w2 goto +3', '2e21030000000000'],
  ['if r1 != 0xffffffff goto pc-3', '5501fdffffffffff'],
  ['if r1 != -1 goto -3', '5501fdffffffffff'],
  ['goto pc-3', '0500fdff00000000'],
  ['gotol +5', '0600000005000000'],
  ['may_goto pc+2', 'e500020000000000'],
  ['r1 = *(u64 *)(r10 -8)', '79a1f8ff00000000'],
  ['r1 = *(u64 *)(r10 - 8)', '79a1f8ff00000000'],
  ['w1 = *(u32 *)(r2 + 4)', '6121040000000000'],
  ['*(u32 *)(r10 -4) = 0', '620afcff00000000'],
  ['*(u8 *)(r1 +2) = r3', '7331020000000000'],
  ['lock *(u64 *)(r1 +0) += r2', 'db21000000000000'],
  ['lock *(u32 *)(r1 + 4) ^= w2', 'c3210400a0000000'],
  ['r0 = atomic_fetch_add((u64 *)(r1 +0), r0)', 'db01000001000000'],
  ['r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)', 'db01000001000000'],
  ['r0 = xchg_64(r1 + 0, r0)', 'db010000e1000000'],
  ['r2 = atomic64_xchg((u64 *)(r10 -8), r2)', 'db2af8ffe1000000'],
  ['r0 = cmpxchg_64(r1 +0, r0, r2)', 'db210000f1000000'],
  ['r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)', 'db1af8fff1000000'],
  ['r0 = load_acquire((u64 *)(r1 +0))', 'db10000000010000'],
  ['store_release((u32 *)(r1 +0), r2)', 'c321000010010000'],
  ['r1 = (s8)r2', 'bf21080000000000'],
  ['w1 = (s16)w2', 'bc21100000000000'],
  ['r1 = *(s16 *)(r2 +0)', '8921000000000000'],
  ['r0 s/= r1', '3f10010000000000'],
  ['r0 s%= 3', '9700010003000000'],
  ['r0 = be16 r0', 'dc00000010000000'],
  ['r0 = le32 r0', 'd400000020000000'],
  ['r0 = bswap64 r0', 'd700000040000000'],
  ['r0 = -r0', '8700000000000000'],
  ['w3 = -w3', '8403000000000000'],
  ['r0 = -1', 'b7000000ffffffff'],
  ['call bpf_map_lookup_elem#1', '8500000001000000'],
  ['call bpf_map_lookup_elem', '8500000001000000'],
  ['call 1', '8500000001000000'],
  ['call unknown#999', '85000000e7030000'],
  ['call pc+5', '8510000005000000'],
  ['call kernel-function#65232', '85200000d0fe0000'],
  ['call bpf_obj_new_impl#65232', '85200000d0fe0000'],
  ['exit', '9500000000000000'],
  ['r0 = 0x1234 ll', '18000000341200000000000000000000'],
  ['r1 = 0xffff888117b60400', '180100000004b617000000008188ffff'],
  ['r0 = *(u8 *)skb[23]', '3000000017000000'],
  ['r0 = *(u16 *)skb[r1 + 3]', '4810000003000000'],
  ['r0 = *(u32 *)skb[r1 + -3]', '40100000fdffffff'],
  ['r1 = addr_space_cast(r2, 0, 1)', 'bf21010001000000'],
  ['r1 = map[0] ll', '18510000000000000000000000000000'],
  ['r1 = map_value[2] + 16 ll', '18610000020000000000000010000000'],
  ['r1 = map_fd[3] ll', '18110000030000000000000000000000'],
  ['6: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,ks=4,vs=8)', '8500000001000000'],
  ['r0 = 0 // comment', 'b700000000000000'],
  ['r0 = 0 # comment', 'b700000000000000'],
  ['r0 = 0;', 'b700000000000000'],
  ['r0 /* inline */ = 0', 'b700000000000000'],
  ['.raw ff00000000000000', 'ff00000000000000'],
  ['.8byte 0x95', '9500000000000000'],
  ['r0 &= 0xFFFF1234', '570000003412ffff'],
  ['r5 &= 0xfffffffffffffffc', '57050000fcffffff'],
  ['if r0 < 0xfffffffffffffffe goto +1', 'a5000100feffffff'],
  ['r1 = 0xffffffff00000000LL ll', '1801000000000000' + '00000000ffffffff'],
  ['r0 = 0; exit;', 'b7000000000000009500000000000000'],
  ['r0 = 0 ; R0=0', 'b700000000000000'],
  ['; int x = 0; @ prog.c:3', ''],
  ['.raw 18010000000000009500000000000000', '18010000000000009500000000000000'],
];

describe('assembler syntax', () => {
  it.each(FORMS)('%s', (text, hex) => {
    expect(hexOf(text)).toBe(hex);
  });

  it('resolves labels forwards and backwards, in kernel selftest style', () => {
    const text = [
      'l0_%=:', 'r0 += 1', 'if r0 < 3 goto l0_%=', 'goto out', 'r0 = 7', 'out: exit',
    ].join('\n');
    // jlt imm at slot 1 back to slot 0: off -2; ja at slot 2 over one insn: off +1.
    expect(hexOf(text)).toBe('0700000001000000' + 'a500feff03000000' + '0500010000000000' + 'b700000007000000' + '9500000000000000');
  });

  it('resolves bpf-to-bpf calls and pseudo-func loads to labels, counting ld_imm64 as two slots', () => {
    const text = ['r2 = func[cb] ll', 'call sub', 'exit', 'sub:', 'cb: r0 = 0', 'exit'].join('\n');
    expect(hexOf(text)).toBe('18420000030000000000000000000000' + '8510000001000000' + '9500000000000000'
      + 'b700000000000000' + '9500000000000000');
  });

  it('reads GNU numeric labels (1f, 1b), block comments across lines and llvm `r2 = label ll`', () => {
    const text = ['1: r0 += 1', 'if r0 < 3 goto 1b /* back', '   still a comment */ goto 1f', 'r0 = 7',
      '1: r2 = cb ll', 'exit', 'cb: exit'].join('\n');
    expect(hexOf(text)).toBe('0700000001000000' + 'a500feff03000000' + '0500010000000000' + 'b700000007000000'
      + '18420000020000000000000000000000' + '9500000000000000' + '9500000000000000');
  });

  it('reads directives into the Program', () => {
    const { program } = assemble('.prog xdp\n.flags BPF_F_ANY_ALIGNMENT 16\n.map 0 hash key=8 value=16 entries=4 flags=1\nexit\n');
    expect(program.progType).toBe('xdp');
    expect(program.flags).toBe(2 | 16);
    expect(program.maps).toEqual([{ type: 'hash', keySize: 8, valueSize: 16, maxEntries: 4, flags: 1 }]);
    expect(assemble('exit').program.progType).toBe('socket_filter');
  });
});

describe('assembler errors', () => {
  const ERRORS: Array<[string, string]> = [
    ['r0 = 0\nr1 +== 3', 't.s:2:6: expected a register or an immediate'],
    ['r0 = *(u64 *)(r10 -8', 't.s:1:21: expected \')\' closing the memory operand'],
    ['goto nowhere', "t.s:1:1: undefined label 'nowhere'"],
    ['x:\nexit\nx: exit', "t.s:3:1: duplicate label 'x'"],
    ['r11 = 0', 't.s:1:1: expected a register r0..r10 or w0..w10'],
    ['w1 += r2', 't.s:1:7: expected w2 (same width as w1)'],
    ['call bpf_nope', "t.s:1:6: expected a helper name, got unknown helper 'bpf_nope'"],
    ['call bpf_map_lookup_elem#2', 't.s:1:26: expected id 1 for helper bpf_map_lookup_elem, got 2'],
    ['r0 += 0x100000000', 't.s:1:7: expected a register or an immediate that fits in s32 or u32, got 4294967296'],
    ['r0 = *(u64 *)(r10 -40000)', 't.s:1:19: expected a memory offset in [-32768, 32767], got -40000'],
    ['.prog nope', "t.s:1:7: expected a program type, got 'nope'"],
    ['.map 1 array key=4 value=4 entries=1', 't.s:1:6: expected map index 0 (maps are listed in order)'],
    ['.raw 1234', 't.s:1:6: expected 16 hex digits, got 4'],
    ['r0 = 0 exit', "t.s:1:8: expected end of instruction, found 'exit'"],
    ['r0 = be16 r1', 't.s:1:11: expected r0 (byte swaps are in place)'],
  ];
  it.each(ERRORS)('%j', (text, message) => {
    expect(() => assemble(text, { file: 't.s' })).toThrow(new UserError(message));
  });

  it('refuses a jump too far for s16 and points at it', () => {
    const lines = ['goto far', ...Array.from({ length: 40000 }, () => 'r0 = 0'), 'far: exit'];
    expect(() => assemble(lines.join('\n'), { file: 't.s' })).toThrow("t.s:1:1: offset 40000 to label 'far' does not fit in s16");
  });

  it('never throws anything but a located UserError on random text (fast-check)', () => {
    const piece = fc.constantFrom('r0', 'w1', 'r10', '=', '+=', 's>', '*(u64 *)', '(r1 +8)', 'goto', 'pc+1', 'if',
      'call', 'exit', 'll', '0x10', '-5', 'lock', 'map[0]', 'x:', '.raw', '.map', ',', ')', '(', '#1', ';', '//');
    const line = fc.oneof(fc.array(piece, { maxLength: 8 }).map((a) => a.join(' ')), fc.string({ maxLength: 30 }));
    fc.assert(fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
      try {
        assemble(lines.join('\n'), { file: 'f.s' });
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as Error).message).toMatch(/^f\.s:\d+:\d+: /);
      }
    }), { numRuns: 3000 });
  });
});
