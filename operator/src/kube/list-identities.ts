// Who is there, without what they hold: the namespace, name and resourceVersion of every object at a
// path, from the API server's metadata-only lists (PartialObjectMetadataList), a page at a time. The
// watchdog compares these with its caches and the periodic resync queues the Tenants by name; full
// lists of a thousand tenants' Deployments, Secrets and NetworkPolicies (megabytes of JSON a minute,
// parsed into client-node models) would only be thrown away, after growing the heap they pass through.
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const PAGE_SIZE = 500;
const http = new IsomorphicFetchHttpLibrary();

interface MetadataPage {
  items?: { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }[];
  metadata?: { continue?: string };
}

/** `path` is a collection (`/api/v1/secrets`, `/apis/cloudpos.io/v1alpha1/tenants`), all namespaces. */
export async function listIdentities(
  kc: KubeConfig,
  path: string,
  labelSelector?: string,
): Promise<KubernetesObject[]> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no current cluster in the kubeconfig');
  const found: KubernetesObject[] = [];
  let token: string | undefined;
  do {
    const url = new URL(server + path);
    url.searchParams.set('limit', String(PAGE_SIZE));
    if (labelSelector) url.searchParams.set('labelSelector', labelSelector);
    if (token) url.searchParams.set('continue', token);
    const request = new RequestContext(url.toString(), HttpMethod.GET);
    request.setHeaderParam('Accept', METADATA_ONLY);
    await kc.applySecurityAuthentication(request);
    const response = await http.send(request).toPromise();
    const body = await response.body.text();
    if (response.httpStatusCode !== 200)
      throw new Error(`listing ${path} failed: HTTP ${response.httpStatusCode}: ${body.slice(0, 300)}`);
    const page = JSON.parse(body) as MetadataPage;
    for (const item of page.items ?? []) {
      const { name, namespace, resourceVersion } = item.metadata ?? {};
      found.push({ metadata: { name, namespace, resourceVersion } });
    }
    token = page.metadata?.continue || undefined;
  } while (token);
  return found;
}
