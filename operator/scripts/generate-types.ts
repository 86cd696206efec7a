// Generates src/generated/tenant.ts from crds/cloudpos.io_tenants.yaml, so the Tenant type is
// written once (in the CRD). `--check` fails when the checked-in file is out of date.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderTenantTypes } from '../src/generate.ts';

const target = resolve(import.meta.dirname, '..', 'src', 'generated', 'tenant.ts');
const rendered = await renderTenantTypes();
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== rendered) {
    process.stderr.write(`${target} is out of date: run npm run generate -w @cloudpos/operator\n`);
    process.exit(1);
  }
} else {
  await writeFile(target, rendered);
  process.stdout.write(`wrote ${target}\n`);
}
