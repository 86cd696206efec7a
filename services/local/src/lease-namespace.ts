// The operator's leader-election Lease needs a namespace. In a real cluster that is the Helm
// release's namespace, which exists before the operator runs; a fresh `npm run cluster:up` has none,
// and an operator waiting for a namespace nobody creates never reconciles. So `npm run operator` on
// the local platform creates it (the operator itself never creates its own home: there, a missing
// namespace is an installation mistake it reports).
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ActionableError } from '@cloudpos/harness';

export type NamespaceOutcome = 'created' | 'exists';

export async function ensureLeaseNamespace(kc: KubeConfig, namespace: string): Promise<NamespaceOutcome> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.readNamespace({ name: namespace });
    return 'exists';
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw cannotPrepare(kc, namespace, error);
  }
  try {
    await core.createNamespace({
      body: {
        metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': 'cloudpos-local' } },
      },
    });
    return 'created';
  } catch (error) {
    // Another `npm run operator` may have created it in between.
    if (error instanceof ApiException && error.code === 409) return 'exists';
    throw cannotPrepare(kc, namespace, error);
  }
}

function cannotPrepare(kc: KubeConfig, namespace: string, error: unknown): ActionableError {
  const server = kc.getCurrentCluster()?.server ?? 'the current kubeconfig';
  // fetch hides why it failed (refused, TLS, DNS) in its cause.
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  const detail =
    error instanceof ApiException
      ? `${error.code} ${apiMessage(error.body)}`
      : `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ''}`;
  return new ActionableError(
    `Could not prepare the namespace ${namespace} for the operator's leader-election Lease on ${server}: ${detail}`,
    `start the local cluster (npm run cluster:up) and export the KUBECONFIG it prints, or create the namespace yourself: kubectl create namespace ${namespace}`,
    { cause: error },
  );
}

/** The message of the API server's Status body (client-node hands it over as JSON text). */
function apiMessage(body: unknown): string {
  if (typeof body !== 'string') return '';
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}
