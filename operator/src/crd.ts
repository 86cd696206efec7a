// The Tenant CRD as data: read from crds/ (the single source of truth) for type generation, for
// installing it in tests, and for the operator's own sanity checks.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export const TENANT_GROUP = 'cloudpos.io';
export const TENANT_VERSION = 'v1alpha1';
export const TENANT_PLURAL = 'tenants';
export const TENANT_KIND = 'Tenant';

export const crdPath = resolve(import.meta.dirname, '..', '..', 'crds', 'cloudpos.io_tenants.yaml');
export const tenantExamplesDir = resolve(import.meta.dirname, '..', '..', 'tenants');

export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

interface CrdDocument {
  spec: { versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] };
}

export async function tenantSchema(): Promise<JsonSchema> {
  const crd = parse(await readFile(crdPath, 'utf8')) as CrdDocument;
  const version = crd.spec.versions.find((candidate) => candidate.name === TENANT_VERSION);
  if (!version) throw new Error(`${crdPath} has no version ${TENANT_VERSION}`);
  return version.schema.openAPIV3Schema;
}
