/**
 * Which instructions the numeric load path (load-fast.ts) accepts at a glance: tables indexed by
 * opcode and by a class of the field value, so that the whole test is a handful of table reads
 * and bit operations with one branch at the end (opcodes arrive in random order: per-field
 * branches would mispredict).
 *
 *   off class: index of off in OFF_VALUES (0, 1, 8, 16, 32), or 5 for any other value;
 *   imm class: an id for each imm value a oneOf rule lists below 512, or 31 for any other value.
 *
 * The tables are the rows of isa/opcodes.ts, made stricter where the Insn path must decide:
 * a call's off (kfunc calls may carry one), mov64 X with off 1 or imm != 0 (addr_space_cast, the
 * VM refuses it with its own message), ld_imm64 src 3 (BTF ids), listed imm values >= 512.
 * Invariant: `rejectBits(...) === 0` iff the instruction is legal (validate.ts `checkInsn`) and
 * not one of those cases (fast-accept.test.ts, over every opcode and value class).
 */
import { type FieldRule, opcodeRow } from '../isa/opcodes.ts';
import { xopOf } from './xop.ts';
import { INFO } from './load-rules.ts';

/** Word offsets in ACCEPT. */
export const A_REGS = 0, A_OFFS = 1, A_IMMS = 2, A_INFO = 3;
const A_LD_IMM64 = 1 << 8;

export const OFF_VALUES: readonly number[] = [0, 1, 8, 16, 32];
const OFF_OTHER = 5;
const IMM_OTHER = 31;
const IMM_SMALL = 512;

/** off class of each 16-bit off value (indexed by off & 0xffff). */
export const OFF_CLASS = new Uint8Array(65536).fill(OFF_OTHER);
OFF_VALUES.forEach((v, i) => { OFF_CLASS[v & 0xffff] = i; });

/** imm class of each imm in [0, 512). */
export const IMM_CLASS = new Uint8Array(IMM_SMALL).fill(IMM_OTHER);

/**
 * Per opcode, 4 words at opcode * 4 (one table: the test reads one array): legal dst (bits 0-15)
 * and src (bits 16-31) values; legal off classes (bits 0-5) | 1 << 8 for ld_imm64; legal imm
 * classes; the opcode's INFO word (load-rules.ts), for the caller.
 */
export const ACCEPT = new Int32Array(256 * 4);
/** Internal opcode by opcode * 6 + off class. */
export const XOP_BY_CLASS = new Uint8Array(256 * 6);

function regSet(rule: FieldRule): number {
  if (rule.kind === 'any') return 0xffff;
  if (rule.kind === 'zero') return 1;
  if (rule.kind === 'reg') return 0x7ff;
  return rule.values.reduce((m, v) => (v >= 0 && v < 16 ? m | (1 << v) : m), 0);
}

const allows = (rule: FieldRule, v: number): boolean =>
  rule.kind === 'any' || (rule.kind === 'zero' ? v === 0 : rule.kind === 'oneOf' ? rule.values.includes(v) : false);

function buildTables(): void {
  const listed = new Set<number>();
  for (let code = 0; code < 256; code++) {
    const imm = opcodeRow(code)?.imm;
    if (imm?.kind === 'oneOf') for (const v of imm.values) if (v >= 0 && v < IMM_SMALL) listed.add(v);
  }
  listed.add(0);
  const ids = [...listed].sort((a, b) => a - b);
  if (ids.length >= IMM_OTHER) throw new Error('fast-accept: too many listed imm values for a 31-bit class set');
  ids.forEach((v, i) => { IMM_CLASS[v] = i; });
  for (let code = 0; code < 256; code++) {
    for (let k = 0; k <= OFF_OTHER; k++) XOP_BY_CLASS[code * 6 + k] = k < OFF_OTHER ? xopOf(code, OFF_VALUES[k]!) : code;
    const row = opcodeRow(code);
    if (!row) continue;
    let offs = row.off.kind === 'any' ? 1 << OFF_OTHER : 0;
    OFF_VALUES.forEach((v, k) => { if (allows(row.off, v)) offs |= 1 << k; });
    let imms = row.imm.kind === 'any' ? -1 : 0;
    ids.forEach((v, i) => { if (allows(row.imm, v)) imms |= 1 << i; });
    let regs = regSet(row.dst) | (regSet(row.src) << 16);
    if (row.kind === 'call') offs = 1; // off 0 only
    if (code === 0xbf) { offs &= ~(1 << 1); imms = 1 << IMM_CLASS[0]!; } // no addr_space_cast
    if (row.kind === 'ld_imm64') { regs &= ~(1 << (16 + 3)); offs |= A_LD_IMM64; } // no BTF ids; its second slot is checked
    ACCEPT[code * 4 + A_REGS] = regs;
    ACCEPT[code * 4 + A_OFFS] = offs;
    ACCEPT[code * 4 + A_IMMS] = imms;
    ACCEPT[code * 4 + A_INFO] = INFO[code]!;
  }
}
buildTables();

/**
 * 0 when the numeric path accepts the instruction as is, non-zero otherwise. `offClass` is
 * OFF_CLASS[off & 0xffff]; `hiW0` the first word of the next slot (code | regs << 8 | off << 16),
 * looked at for ld_imm64 only. A caller in a loop passes the tables (ACCEPT, IMM_CLASS) from locals:
 * a module binding is re-read and re-checked at every use.
 */
export function rejectBits(code: number, dst: number, src: number, offClass: number, imm: number, hiW0: number,
  accept: Int32Array = ACCEPT, immClasses: Uint8Array = IMM_CLASS): number {
  const a = code << 2;
  const regs = accept[a]!, offs = accept[a + 1]!;
  const u = imm >>> 9;
  const immClass = immClasses[imm & (IMM_SMALL - 1)]! | (((u | -u) >>> 31) * IMM_OTHER); // x | -x has bit 31 iff x != 0
  const hi = hiW0 & -((offs >>> 8) & 1);
  const ok = (regs >>> dst) & (regs >>> (16 + src)) & (offs >>> offClass) & (accept[a + 2]! >>> immClass);
  return ((ok & 1) ^ 1) | ((hi | -hi) >>> 31);
}
