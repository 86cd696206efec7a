// Server-side apply under the operator's single field manager. `force` takes over fields another
// manager changed (drift is corrected, not negotiated); the API server writes nothing when the
// applied configuration is unchanged.
import {
  ApiException,
  PatchStrategy,
  type KubernetesObject,
  type KubernetesObjectApi,
} from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { FIELD_MANAGER } from '../specs/metadata.ts';

export async function applyObject<T extends KubernetesObject>(
  api: KubernetesObjectApi,
  object: T,
): Promise<T> {
  return api.patch<T>(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/**
 * Applies, in stages (the namespace before what lives in it, the workloads last), only the objects
 * whose live state lacks something we want: reconciling an unchanged tenant reads, and never writes.
 * Returns what it applied, in the given order.
 */
export async function applyChanged(
  api: KubernetesObjectApi,
  objects: KubernetesObject[],
  /** The informers' copy (watch.ts): what it shows as wanted is not read again from the server. */
  cached?: (object: KubernetesObject) => KubernetesObject | undefined,
): Promise<KubernetesObject[]> {
  // The reads go out together (an unchanged tenant costs one round trip's time, not one per
  // object); the writes stay in order. A read that fails is thrown when its object's turn comes.
  // An object the cache lacks or shows otherwise is read from the server before anything is
  // written: a cache that is behind costs a read, never a write.
  const lives = objects.map((object): Promise<'unchanged' | KubernetesObject | undefined> => {
    const copy = cached?.(object);
    return copy && isUnchanged(copy, object) ? Promise.resolve('unchanged') : readIfExists(api, object);
  });
  for (const pending of lives) pending.catch(() => {});
  const apply = async (index: number): Promise<KubernetesObject | undefined> => {
    const object = objects[index]!;
    try {
      const live = await lives[index]!;
      if (live === 'unchanged' || (live && difference(live, comparable(object)) === undefined))
        return undefined;
      await applyObject(api, object);
      return object;
    } catch (error) {
      throw new Error(
        `while applying ${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}: ${describeApiError(error)}`,
        {
          cause: error,
        },
      );
    }
  };
  // The writes go in stages, each stage's together: the namespace first, then what lives in it,
  // then the workloads once their settings, secrets and limits are there.
  const applied: KubernetesObject[] = [];
  for (const stage of [0, 1, 2]) {
    const indexes = [...objects.keys()].filter((index) => stageOf(objects[index]!) === stage);
    const done = await Promise.allSettled(indexes.map(apply));
    const failed = done.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const result of done) if (result.status === 'fulfilled' && result.value) applied.push(result.value);
  }
  return applied.sort((a, b) => objects.indexOf(a) - objects.indexOf(b));
}

const WORKLOADS = new Set(['Deployment', 'HorizontalPodAutoscaler']);
const stageOf = (object: KubernetesObject) =>
  object.kind === 'Namespace' ? 0 : WORKLOADS.has(object.kind ?? '') ? 2 : 1;

/** The API server's own message from a failed call (its Status body), else the error's message. */
export function describeApiError(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String(body.message);
  return error instanceof Error ? error.message : String(error);
}

async function readIfExists(
  api: KubernetesObjectApi,
  object: KubernetesObject,
): Promise<KubernetesObject | undefined> {
  try {
    return await api.read({
      apiVersion: object.apiVersion!,
      kind: object.kind!,
      metadata: { name: object.metadata!.name!, namespace: object.metadata!.namespace! },
    });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/**
 * Whether the cached `copy` has every field of `wanted`. Once it has been found so, the copy keeps
 * only what reconciles read besides (its metadata; a Deployment's replicas and status; Secrets are
 * read whole and stay so) and the digest of what it was found equal to: thousands of tenants' owned
 * objects cost a fraction of the memory. The watch replaces the copy with the whole object when it
 * changes on the server, so a compacted copy is always the version that was compared.
 */
function isUnchanged(copy: KubernetesObject, object: KubernetesObject): boolean {
  const wanted = comparable(object);
  const digest = createHash('sha256').update(JSON.stringify(wanted)).digest('base64url');
  const verified = (copy as Compacted)[VERIFIED];
  if (verified !== undefined) return verified === digest;
  if (difference(copy, wanted) !== undefined) return false;
  if (copy.kind !== 'Secret') compact(copy, digest);
  return true;
}

const VERIFIED = Symbol('verified against');
type Compacted = KubernetesObject & { [VERIFIED]?: string; spec?: Record<string, unknown> };

/** Drops, in place, what reconciles never read again from a copy found equal to what `digest` names. */
function compact(copy: Compacted, digest: string): void {
  const deployment = copy.kind === 'Deployment';
  const replicas = deployment ? copy.spec?.replicas : undefined;
  for (const key of Object.keys(copy))
    if (!['apiVersion', 'kind', 'metadata', ...(deployment ? ['status'] : [])].includes(key))
      delete (copy as Record<string, unknown>)[key];
  if (replicas !== undefined) copy.spec = { replicas };
  copy[VERIFIED] = digest;
}

/** What the server keeps of an applied object: a Secret's stringData is stored base64 in data. */
function comparable(object: KubernetesObject): unknown {
  const { stringData, ...rest } = object as KubernetesObject & {
    stringData?: Record<string, string>;
    data?: Record<string, string>;
  };
  if (!stringData) return rest;
  const encoded = Object.fromEntries(
    Object.entries(stringData).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return { ...rest, data: { ...rest.data, ...encoded } };
}

/**
 * The first path where `live` lacks a field of `wanted` or holds another value, or undefined when it
 * has them all (fields the server added, such as defaults and status, do not count). Lists must match
 * element by element. `live` may be a client-node model or wire JSON (the informers' cache holds
 * both): the models spell a few wire names with a leading underscore (`_from`, `_default`).
 */
export function difference(live: unknown, wanted: unknown, path = ''): string | undefined {
  if (wanted === undefined) return undefined;
  if (Array.isArray(wanted)) {
    // The server drops empty lists (omitempty): absent is the same as empty.
    if (wanted.length === 0 && live === undefined) return undefined;
    if (!Array.isArray(live) || live.length !== wanted.length) return path || '/';
    for (const [index, item] of wanted.entries()) {
      const found = difference(live[index], item, `${path}/${index}`);
      if (found) return found;
    }
    return undefined;
  }
  if (wanted !== null && typeof wanted === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return path || '/';
    const fields = live as Record<string, unknown>;
    for (const [key, value] of Object.entries(wanted)) {
      const field = key in fields || !key.startsWith('_') ? fields[key] : fields[key.slice(1)];
      const found = difference(field, value, `${path}/${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return live === wanted ? undefined : path || '/';
}
