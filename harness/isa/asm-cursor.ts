/**
 * The assembler's scanner: a cursor over one statement of one line, with the small token
 * readers the grammar in asm.ts needs (registers, integers, identifiers, memory operands).
 *
 * Invariant: a failing reader throws `SyntaxFail` with the 1-based column where the expectation
 * broke and an `expected ...` message; asm.ts adds the file and line and turns it into a
 * UserError (`file:line:col: expected ...`). Nothing here throws any other error.
 */

export class SyntaxFail extends Error {
  readonly col: number;
  constructor(message: string, col: number) {
    super(message);
    this.name = 'SyntaxFail';
    this.col = col;
  }
}

export interface Reg {
  readonly n: number;
  /** true for `wN` (the 32-bit view). */
  readonly w: boolean;
  readonly col: number;
}

export interface MemOperand {
  readonly base: number;
  readonly off: number;
}

const STICKY = new Map<string, RegExp>();
/** The sticky twin of a pattern, built once per pattern text (a literal is a new object per call). */
function stickyOf(re: RegExp): RegExp {
  const key = `${re.flags}/${re.source}`;
  let sticky = STICKY.get(key);
  if (!sticky) {
    sticky = new RegExp(re.source, re.flags.includes('y') ? re.flags : re.flags + 'y');
    STICKY.set(key, sticky);
  }
  return sticky;
}

const S16: readonly [number, number] = [-0x8000, 0x7fff];

export class Cursor {
  pos: number;
  constructor(readonly text: string, readonly colBase: number, start = 0) {
    this.pos = start;
  }

  /** 1-based column of a position in the original line. */
  col(pos = this.pos): number {
    return this.colBase + pos + 1;
  }

  fail(message: string, pos = this.pos): never {
    throw new SyntaxFail(message, this.col(pos));
  }

  ws(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  /** Skip blanks and return the position of the next token. */
  here(): number {
    this.ws();
    return this.pos;
  }

  atEnd(): boolean {
    this.ws();
    return this.pos >= this.text.length;
  }

  /** Match a sticky regex after whitespace; consume and return the match, or undefined. */
  tryRe(re: RegExp): RegExpExecArray | undefined {
    this.ws();
    const sticky = stickyOf(re);
    sticky.lastIndex = this.pos;
    const m = sticky.exec(this.text);
    if (!m) return undefined;
    this.pos = sticky.lastIndex;
    return m;
  }

  peekRe(re: RegExp): boolean {
    const save = this.pos;
    const m = this.tryRe(re);
    this.pos = save;
    return m !== undefined;
  }

  /** Consume a literal (after whitespace) if present. */
  try(lit: string): boolean {
    this.ws();
    if (this.text.startsWith(lit, this.pos)) {
      this.pos += lit.length;
      return true;
    }
    return false;
  }

  expect(lit: string, what = `'${lit}'`): void {
    if (!this.try(lit)) this.fail(`expected ${what}`);
  }

  end(): void {
    if (!this.atEnd()) this.fail(`expected end of instruction, found '${this.text.slice(this.pos, this.pos + 12)}'`);
  }

  reg(what = 'a register (r0..r10 or w0..w10)'): Reg {
    this.ws();
    const at = this.pos;
    const m = this.tryRe(/([rw])(10|[0-9])(?![\w])/);
    if (!m) this.fail(`expected ${what}`, at);
    return { n: Number(m[2]), w: m[1] === 'w', col: this.col(at) };
  }

  peekReg(): boolean {
    return this.peekRe(/[rw](10|[0-9])(?![\w])/);
  }

  /** A 64-bit register `rN` (memory bases, pointers). */
  reg64(): number {
    this.ws();
    const at = this.pos;
    const r = this.reg('a register r0..r10');
    if (r.w) this.fail('expected a 64-bit register r0..r10', at);
    return r.n;
  }

  /** An integer literal: decimal or 0x hex, optionally negative. */
  int(what = 'a number'): bigint {
    this.ws();
    const at = this.pos;
    const m = this.tryRe(/(-?)\s*(0[xX][0-9a-fA-F]+|[0-9]+)(?:[uU]?[lL]{0,2})(?![\w])/);
    if (!m) this.fail(`expected ${what}`, at);
    const v = BigInt(m[2]!);
    return m[1] ? -v : v;
  }

  peekInt(): boolean {
    return this.peekRe(/-?\s*(0[xX][0-9a-fA-F]+|[0-9]+)(?![\w])/);
  }

  /** An integer that must lie in [lo, hi]; returns it as a JS number. */
  intIn(lo: number, hi: number, what: string): number {
    this.ws();
    const at = this.pos;
    const v = this.int(what);
    if (v < BigInt(lo) || v > BigInt(hi)) this.fail(`expected ${what} in [${lo}, ${hi}], got ${v}`, at);
    return Number(v);
  }

  /**
   * A 32-bit immediate: s32, or u32 when `allowU32` (wrapped to s32 as the encoding stores it);
   * a 64-bit literal that is the sign extension of an s32 (0xfffffffffffffffc) is accepted too.
   */
  imm32(allowU32: boolean, what = 'an immediate'): number {
    this.ws();
    const at = this.pos;
    let v = this.int(what);
    if (v >= (1n << 64n) - 0x80000000n && v < 1n << 64n) v -= 1n << 64n;
    const hi = allowU32 ? 0xffffffffn : 0x7fffffffn;
    if (v < -0x80000000n || v > hi) this.fail(`expected ${what} that fits in ${allowU32 ? 's32 or u32' : 's32'}, got ${v}`, at);
    return Number(BigInt.asIntN(32, v));
  }

  ident(what = 'a name'): string {
    this.ws();
    const at = this.pos;
    const m = this.tryRe(/[A-Za-z_.$][\w.$-]*(?:%=)?/);
    if (!m) this.fail(`expected ${what}`, at);
    return m[0];
  }

  /** A signed offset `+N`, `-N`, `+ N`, `- N`; absent means 0 when `optional`. */
  signedOff(optional: boolean, lo = S16[0], hi = S16[1], what = 'an offset'): number {
    this.ws();
    const at = this.pos;
    const m = this.tryRe(/([+-]|\+\s*-)\s*(0[xX][0-9a-fA-F]+|[0-9]+)(?![\w])/);
    if (!m) {
      if (optional) return 0;
      this.fail(`expected ${what} (+N or -N)`, at);
    }
    const v = (m[1]!.endsWith('-') ? -1n : 1n) * BigInt(m[2]!);
    if (v < BigInt(lo) || v > BigInt(hi)) this.fail(`expected ${what} in [${lo}, ${hi}], got ${v}`, at);
    return Number(v);
  }

  /** `(rN +off)` / `(rN - 8)` / `(rN)`. */
  memOperand(): MemOperand {
    this.expect('(', "'(' of a memory operand");
    const base = this.reg64();
    const off = this.signedOff(true, S16[0], S16[1], 'a memory offset');
    this.expect(')', "')' closing the memory operand");
    return { base, off };
  }

  /** `(u8 *)` and friends; returns the size token (u8, s16, ...). */
  sizeCast(signedOk: boolean): string {
    this.ws();
    const at = this.pos;
    const m = this.tryRe(signedOk ? /\(\s*([us](?:8|16|32|64))\s*\*\s*\)/ : /\(\s*(u(?:8|16|32|64))\s*\*\s*\)/);
    if (!m) this.fail(`expected a size cast like '(u64 *)'`, at);
    if (m[1] === 's64') this.fail(`expected a size cast: s64 is not a sign-extending load size`, at);
    return m[1]!;
  }
}
