// `npm run bench [-- name...]`: runs the named benchmarks (all by default) and prints one
// machine-readable line per figure. Benchmarks measure; tests assert behaviour.
import { reportFatal } from '../tools/errors.ts';
import { infraBenchmark } from './infra.ts';
import { operatorBenchmark } from './operator.ts';

const benchmarks: Record<string, () => Promise<string[]>> = {
  infra: infraBenchmark,
  operator: operatorBenchmark,
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
