/**
 * `verifuzz run FILE|- [--packet HEX] [--ctx HEX] [--seed N] [--budget N] [--trace] [--json]`:
 * runs a program in the sanitizing VM and prints r0, or the fault with the disassembled faulting
 * instruction; `--trace` lists every executed instruction with the registers before it.
 * Exit 0 when the program ran to exit, 1 on a fault, 2 for bad input (including a program the
 * VM refuses to load).
 */
import type { CommandModule } from 'yargs';
import { hexToBytes } from '../../isa/codec.ts';
import { kernelInsnText } from '../../isa/disasm.ts';
import { bytesToHex } from '../../isa/codec.ts';
import { type ProgType, PROG_TYPES } from '../../isa/program.ts';
import { UserError } from '../../errors.ts';
import { readProgramSource } from '../io.ts';
import { parseWhole } from '../whole-number.ts';
import { isLoadError, loadVmProgram, type RunResult, runVm, type TraceEntry, type VmProgram } from '../../vm/index.ts';

interface RunArgs {
  file: string;
  packet?: string;
  ctx?: string;
  seed: string | number;
  budget: string | number;
  trace: boolean;
  json: boolean;
  'prog-type': string;
}

function hexArg(name: string, v: string | undefined): Uint8Array | undefined {
  if (v === undefined) return undefined;
  try {
    return hexToBytes(v);
  } catch (e) {
    throw new UserError(`--${name}: ${(e as Error).message}`);
  }
}

const hex64 = (v: bigint): string => `0x${v.toString(16)}`;

function insnText(vp: VmProgram, pc: number): string {
  const insn = vp.program.insns[pc];
  return insn ? kernelInsnText(insn) : '(end of program)';
}

function traceLine(vp: VmProgram, e: TraceEntry): string {
  const regs = e.regs.map((v, r) => ((e.init >> r) & 1 ? `r${r}=${e.regKinds[r] ? `${e.regKinds[r]!.kind}${e.regKinds[r]!.off >= 0 ? '+' : ''}${e.regKinds[r]!.off}` : hex64(v)}` : ''))
    .filter((x) => x).join(' ');
  return `${String(e.slot).padStart(4)}: ${insnText(vp, e.pc).padEnd(36)} ; ${e.frame ? `frame${e.frame} ` : ''}${regs}`;
}

function text(vp: VmProgram, r: RunResult): string[] {
  const lines = r.trace ? r.trace.map((e) => traceLine(vp, e)) : [];
  if (r.kind === 'ok') {
    lines.push(`r0 = ${hex64(r.r0)} (${BigInt.asIntN(64, r.r0)}), ${r.insnCount} instructions executed`);
  } else {
    const f = r.fault;
    lines.push(`fault: ${f.kind} at insn ${f.slot}: ${f.message}`);
    lines.push(`  ${f.slot}: ${insnText(vp, f.pc)}`);
    if (f.region) lines.push(`  region: ${f.region.label} (${f.region.kind}, ${f.region.size} bytes), offset ${f.offset ?? '?'}, size ${f.size ?? '?'}`);
  }
  for (const p of r.printk) lines.push(`trace_printk: ${p}`);
  return lines;
}

function json(r: RunResult): unknown {
  const trace = r.trace?.map((e) => ({ pc: e.pc, slot: e.slot, frame: e.frame, regs: e.regs.map(hex64), init: e.init }));
  if (r.kind === 'fault') return { kind: 'fault', fault: r.fault, insnCount: r.insnCount, printk: r.printk, ...(trace ? { trace } : {}) };
  return {
    kind: 'ok', r0: hex64(r.r0), insnCount: r.insnCount, printk: r.printk,
    ...(r.packetOut ? { packetOut: bytesToHex(r.packetOut) } : {}),
    ...(r.ctxOut ? { ctxOut: bytesToHex(r.ctxOut) } : {}),
    ...(trace ? { trace } : {}),
  };
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [file]',
  describe: 'Run a program in the sanitizing VM: print r0, or the fault and the faulting instruction',
  builder: (y) => y
    .positional('file', { type: 'string', default: '-', describe: 'assembly, hex or Program JSON file, or - for stdin' })
    .option('packet', { type: 'string', describe: 'packet bytes as hex (skb and xdp types; default 64 zero bytes)' })
    .option('ctx', { type: 'string', describe: 'context bytes as hex (ctx_in of BPF_PROG_TEST_RUN)' })
    .option('seed', { type: 'string', default: 0, describe: 'seed of bpf_get_prandom_u32' })
    .option('budget', { type: 'string', default: 20_000_000, describe: 'instruction budget' })
    .option('trace', { type: 'boolean', default: false, describe: 'list every executed instruction with the registers before it' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
    .option('prog-type', { choices: Object.keys(PROG_TYPES), default: 'socket_filter', describe: 'program type for hex input' })
    .example('$0 run examples/hello.s', 'run an assembly file on a 64-byte zeroed packet')
    .example("echo b7000000070000009500000000000000 | $0 run - --trace", 'trace a program given as hex'),
  handler: async (argv) => {
    const seed = parseWhole('seed', argv.seed, { min: 0, max: 0xffffffff });
    const budget = parseWhole('budget', argv.budget, { min: 1 });
    const { program } = await readProgramSource(argv.file, { defaultProgType: argv['prog-type'] as ProgType });
    const packet = hexArg('packet', argv.packet);
    const ctx = hexArg('ctx', argv.ctx);
    const vp = loadVmProgram(program);
    if (isLoadError(vp)) throw new UserError(`${argv.file}: ${vp.pc >= 0 ? `insn ${vp.pc}: ` : ''}${vp.message}`);
    const r = runVm(vp, { ...(packet ? { packet } : {}), ...(ctx ? { ctx } : {}), seed, budget, trace: argv.trace });
    const out = argv.json ? [JSON.stringify(json(r))] : text(vp, r);
    process.stdout.write(out.map((l) => l + '\n').join(''));
    process.exitCode = r.kind === 'ok' ? 0 : 1;
  },
};
