/**
 * What a generator family is: a name, a weight in the campaign's mix, and a builder that draws a
 * Program. Invariant: `build` is deterministic in its Draw; programs pass checkInsns unless the
 * family sets `intendsInvalid`.
 */
import type { Program } from '../harness/isa/program.ts';
import { resolve, type SymItem } from '../harness/isa/builder.ts';
import type { Draw } from './draw.ts';

export interface Family {
  readonly name: string;
  /** Relative weight in the campaign's mix (generators/index.ts). */
  readonly weight: number;
  readonly build: (d: Draw) => Program;
  /** The family deliberately emits instructions outside the ISA. */
  readonly intendsInvalid?: boolean;
}

/** A Program from symbolic items. */
export function program(progType: Program['progType'], items: readonly SymItem[], maps: Program['maps'] = [], flags?: number): Program {
  return { progType, insns: resolve(items), maps, ...(flags ? { flags } : {}) };
}
