/**
 * ALU/JMP soup: every register r0..r9 initialized with scalars of mixed precision (constants,
 * edges, masked or shifted random u32, a context load), then random ALU64/ALU32 instructions of
 * every kind (including sdiv/smod, movsx, byte swaps, 64-bit immediates) with forward
 * conditional jumps, then r0 = some register and exit. Exercises the scalar domains (tnum and
 * bounds) and branch refinement; rejections come from the rare out-of-range shift or division
 * by a zero immediate.
 */
import type { Family } from './family.ts';
import { program } from './family.ts';
import { Labels, aluBody, epilogue, initAllRegs } from './frame.ts';

export const aluSoup: Family = {
  name: 'alu-soup',
  weight: 2,
  build: (d) => {
    const labels = new Labels();
    const progType = d.weighted([['socket_filter', 3], ['sched_cls', 1]] as const);
    const items = [
      ...initAllRegs(d, { ctxLoad: d.bool(0.5) }),
      ...aluBody(d, labels, d.int(4, 40), 0, 9, d.pick([0.1, 0.2, 0.35])),
      ...epilogue(d),
    ];
    return program(progType, items);
  },
};
