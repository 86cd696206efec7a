// Server-side apply under the operator's single field manager. `force` takes over fields another
// manager changed (drift is corrected, not negotiated); the API server writes nothing when the
// applied configuration is unchanged.
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../specs/metadata.ts';

export async function applyObject<T extends KubernetesObject>(
  api: KubernetesObjectApi,
  object: T,
): Promise<T> {
  return api.patch<T>(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/** Applies in order (the namespace before what lives in it) and returns what the server stored. */
export async function applyAll(
  api: KubernetesObjectApi,
  objects: KubernetesObject[],
): Promise<KubernetesObject[]> {
  const applied: KubernetesObject[] = [];
  for (const object of objects) {
    try {
      applied.push(await applyObject(api, object));
    } catch (error) {
      throw new Error(
        `while applying ${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}: ${describe(error)}`,
        {
          cause: error,
        },
      );
    }
  }
  return applied;
}

function describe(error: unknown): string {
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
