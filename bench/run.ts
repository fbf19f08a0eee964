/**
 * Benchmark runner: `npm run bench` runs every bench/*.ts (except this file); `npm run bench --
 * vm kernel` runs the named ones. A bench module exports `main(): Promise<void> | void` (and may
 * also run itself when executed directly); a module without `main` is expected to run on import.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));

export function benchNames(args: readonly string[]): string[] {
  const all = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3)).sort();
  if (args.length === 0) return all;
  const unknown = args.map((a) => a.replace(/\.ts$/, '').replace(/^bench\//, '')).filter((a) => !all.includes(a));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')} (available: ${all.join(', ')})\n`);
    process.exit(2);
  }
  return args.map((a) => a.replace(/\.ts$/, '').replace(/^bench\//, ''));
}

for (const name of benchNames(process.argv.slice(2))) {
  console.log(`== bench/${name}.ts`);
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { main?: () => unknown };
  if (typeof mod.main === 'function') await mod.main();
}
