/**
 * Bytecode codec: bytes <-> slots <-> logical instructions, and hex text.
 *
 * Decoding never validates opcodes (that is `validate.ts`): any 8-byte slot decodes, so a
 * program with invalid instructions still round-trips byte for byte. The only structural error
 * is a length that is not a multiple of 8, or an ld_imm64 whose second slot is missing.
 */
import { type Insn, type Slot, LD_IMM64_CODE } from './insn.ts';

export class DecodeError extends Error {
  /** Byte offset of the problem in the input. */
  readonly byteOffset: number;
  constructor(message: string, byteOffset: number) {
    super(`${message} (at byte offset ${byteOffset})`);
    this.name = 'DecodeError';
    this.byteOffset = byteOffset;
  }
}

export function decodeSlot(bytes: Uint8Array, at: number): Slot {
  const regs = bytes[at + 1]!;
  const off = (bytes[at + 2]! | (bytes[at + 3]! << 8)) << 16 >> 16;
  const imm = bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24);
  return { code: bytes[at]!, dst: regs & 0x0f, src: regs >> 4, off, imm };
}

export function encodeSlot(slot: Slot, out: Uint8Array, at: number): void {
  const dv = new DataView(out.buffer, out.byteOffset + at, 8);
  dv.setUint8(0, slot.code & 0xff);
  dv.setUint8(1, ((slot.src & 0x0f) << 4) | (slot.dst & 0x0f));
  dv.setInt16(2, slot.off, true);
  dv.setInt32(4, slot.imm | 0, true);
}

/** Bytes to logical instructions. Throws DecodeError on a ragged length or a cut ld_imm64. */
export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % 8 !== 0) {
    throw new DecodeError(`bytecode length ${bytes.length} is not a multiple of 8`, bytes.length - (bytes.length % 8));
  }
  const insns: Insn[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    const slot = decodeSlot(bytes, at);
    if (slot.code === LD_IMM64_CODE) {
      if (at + 8 >= bytes.length) {
        throw new DecodeError('ld_imm64 (opcode 0x18) is missing its second slot', at);
      }
      insns.push({ code: slot.code, dst: slot.dst, src: slot.src, off: slot.off, imm: slot.imm, hi: decodeSlot(bytes, at + 8) });
      at += 8;
    } else {
      insns.push(slot);
    }
  }
  return insns;
}

export function encode(insns: readonly Insn[]): Uint8Array {
  let n = 0;
  for (const insn of insns) n += insn.code === LD_IMM64_CODE ? 2 : 1;
  const out = new Uint8Array(n * 8);
  let at = 0;
  for (const insn of insns) {
    encodeSlot(insn, out, at);
    at += 8;
    if (insn.code === LD_IMM64_CODE) {
      encodeSlot(insn.hi ?? { code: 0, dst: 0, src: 0, off: 0, imm: 0 }, out, at);
      at += 8;
    }
  }
  return out;
}

/** Hex text (whitespace and an optional 0x prefix per token ignored) to bytes. */
export function hexToBytes(text: string): Uint8Array {
  if (/^[0-9a-fA-F]*$/.test(text) && text.length % 2 === 0) return new Uint8Array(Buffer.from(text, 'hex'));
  const clean: number[] = [];
  // Track byte offsets in the cleaned stream so that errors point at the byte, not the character.
  const tokens = text.split(/\s+/).filter((t) => t.length > 0);
  let hex = '';
  for (const t of tokens) hex += t.startsWith('0x') || t.startsWith('0X') ? t.slice(2) : t;
  for (let i = 0; i < hex.length; i += 2) {
    const pair = hex.slice(i, i + 2);
    if (pair.length < 2) throw new DecodeError('odd number of hex digits', i >> 1);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new DecodeError(`'${pair}' is not a hex byte`, i >> 1);
    clean.push(parseInt(pair, 16));
  }
  return Uint8Array.from(clean);
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

export const decodeHex = (text: string): Insn[] => decode(hexToBytes(text));
export const encodeHex = (insns: readonly Insn[]): string => bytesToHex(encode(insns));
