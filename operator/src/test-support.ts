// Helpers for the operator's tests against the real API server of the harness.
import { spawn } from 'node:child_process';
import type {} from '@cloudpos/harness/vitest/provided';
import { inject } from 'vitest';
import { stringify } from 'yaml';
import { crdPath } from './crd.ts';
import type { Tenant } from './generated/tenant.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(inject('kubectlPath'), ['--kubeconfig', inject('kubeconfigPath'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** kubectl apply of a Tenant manifest (see tenantManifest). */
export async function applyTenant(tenant: Tenant): Promise<void> {
  const result = await kubectl(['apply', '-f', '-'], stringify(tenant));
  if (result.code !== 0) throw new Error(result.stderr);
}

/** Installs (or updates) the Tenant CRD and waits until it is served. */
export async function installTenantCrd(): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crdPath]);
  if (applied.code !== 0) throw new Error(`installing the CRD failed: ${applied.stderr}`);
  const established = await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/tenants.cloudpos.io',
  ]);
  if (established.code !== 0) throw new Error(`the CRD was not established: ${established.stderr}`);
}
