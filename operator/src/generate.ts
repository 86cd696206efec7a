// Renders TypeScript types for the Tenant resource from the CRD's OpenAPI schema.
import type { JSONSchema4 } from 'json-schema';
import { compile } from 'json-schema-to-typescript';
import { format } from 'prettier';
import { TENANT_GROUP, TENANT_KIND, TENANT_VERSION, tenantSchema } from './crd.ts';

const banner = `// Generated from crds/cloudpos.io_tenants.yaml by \`npm run generate -w @cloudpos/operator\`.
// Do not edit: change the CRD and regenerate (a test fails when this file is out of date).`;

export async function renderTenantTypes(): Promise<string> {
  const schema = await tenantSchema();
  const options = {
    bannerComment: '',
    additionalProperties: false,
    strictIndexSignatures: true,
    format: false,
  } as const;
  const spec = await compile(schema.properties!.spec as JSONSchema4, 'TenantSpec', options);
  const status = await compile(schema.properties!.status as JSONSchema4, 'TenantStatus', options);
  const source = `${banner}
import type { V1ObjectMeta } from '@kubernetes/client-node';

export const TENANT_API_VERSION = '${TENANT_GROUP}/${TENANT_VERSION}';
export const TENANT_KIND = '${TENANT_KIND}';

${spec}
${status}
export interface Tenant {
  apiVersion: typeof TENANT_API_VERSION;
  kind: typeof TENANT_KIND;
  metadata: V1ObjectMeta;
  spec: TenantSpec;
  status?: TenantStatus;
}
`;
  return format(source, { parser: 'typescript', singleQuote: true, printWidth: 110 });
}
