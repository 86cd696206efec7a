// `npm run bench [-- name...]`: runs the named benchmarks (all by default) and prints one
// machine-readable line per figure. Benchmarks measure; tests assert behaviour.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { reportFatal } from '../tools/errors.ts';
import { infraBenchmark } from './infra.ts';
import { operatorBenchmark } from './operator.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');

/**
 * A benchmark that lives in a package depending on the harness (the POS API uses it to start its
 * databases): run by path as a process of its own, its stdout lines being the figures. Importing it
 * would make the harness depend on that package, a cycle.
 */
function benchmarkScript(path: string): () => Promise<string[]> {
  return () =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [resolve(repo, path)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.on('error', fail);
      child.on('close', (code, signal) =>
        code === 0
          ? done(output.split('\n').filter(Boolean))
          : fail(new Error(`${path} ended with ${signal ?? `exit code ${code}`}`)),
      );
    });
}

const benchmarks: Record<string, () => Promise<string[]>> = {
  infra: infraBenchmark,
  operator: operatorBenchmark,
  catalog: benchmarkScript('services/pos-api/src/catalog/bench.ts'),
  checkout: benchmarkScript('services/pos-api/src/sales/bench.ts'),
  till: benchmarkScript('services/till/bench.ts'),
  signup: benchmarkScript('portal/bench.ts'),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(benchmarks).join(', ')}\n`,
  );
  process.exit(2);
}
try {
  for (const name of wanted.length > 0 ? wanted : Object.keys(benchmarks)) {
    for (const line of await benchmarks[name]!()) process.stdout.write(`${name}: ${line}\n`);
  }
} catch (error) {
  reportFatal(error);
}
