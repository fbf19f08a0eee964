/**
 * The generator families of a campaign: the built-in ones, plus `mutate` over the programs of the
 * corpus (the campaign's own and the bundled seed corpus) when there are any. Built the same way
 * in the main thread and in workers, from names and parent programs, so both draw alike.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { FAMILIES, type Family } from '../../generators/index.ts';
import { mutateFamily } from '../../generators/mutate.ts';
import { loadCorpus } from '../../corpus/store.ts';
import type { Program } from '../isa/program.ts';
import { REPO_ROOT } from '../testing/conformance.ts';

export const BUNDLED_CORPUS = path.join(REPO_ROOT, 'corpus', 'entries');

export const ALL_FAMILY_NAMES: readonly string[] = [...FAMILIES.map((f) => f.name), 'mutate'];

/**
 * Programs of the given corpus directories, in a stable order (directory, then file name). With
 * `modelInsnBudget`, entries the model is recorded to need more processed instructions for are
 * left out: as parents of `mutate` most of their mutants would spend the whole budget (the open
 * model bug whose loop the model explores to the 1,000,000 limit took a fifth of a campaign).
 */
export function corpusPrograms(dirs: readonly string[], opts: { readonly modelInsnBudget?: number } = {}): Program[] {
  const seen = new Set<string>();
  const budget = opts.modelInsnBudget ?? Infinity;
  return dirs.filter((d) => existsSync(d) && !seen.has(path.resolve(d)) && seen.add(path.resolve(d)))
    .flatMap((d) => loadCorpus(d).entries
      .filter((e) => (e.entry.expectations?.model?.insnsProcessed ?? 0) <= budget)
      .map((e) => e.program));
}

/** The families named (all when `names` is undefined); `mutate` only when there are parents. */
export function campaignFamilies(names: readonly string[] | undefined, parents: readonly Program[]): Family[] {
  const wanted = (n: string) => names === undefined || names.includes(n);
  const out = FAMILIES.filter((f) => wanted(f.name));
  if (wanted('mutate') && parents.length > 0) out.push(mutateFamily(parents));
  return out;
}
