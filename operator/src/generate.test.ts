import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderTenantTypes } from './generate.ts';

describe('generated Tenant types', () => {
  it('match the CRD (regenerate with npm run generate -w @cloudpos/operator)', async () => {
    const onDisk = await readFile(new URL('./generated/tenant.ts', import.meta.url), 'utf8');
    expect(onDisk).toBe(await renderTenantTypes());
  });
});
