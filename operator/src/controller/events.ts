// Kubernetes Events for a Tenant: one per condition transition and per deletion step, so that
// `kubectl describe tenant <name>` tells the story. Cluster-scoped objects keep their Events in
// the `default` namespace. Recording is best effort: a lost Event never fails a reconcile.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event, KubernetesObjectApi } from '@kubernetes/client-node';
import { TENANT_API_VERSION, TENANT_KIND, type Tenant } from '../generated/tenant.ts';
import type { Condition } from './conditions.ts';

export const EVENT_NAMESPACE = 'default';

export interface TenantEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The Events a move from `before` to `after` deserves: one per condition whose status or reason changed. */
export function transitionEvents(before: Condition[] | undefined, after: Condition[]): TenantEvent[] {
  return after
    .filter((condition) => {
      const previous = before?.find((candidate) => candidate.type === condition.type);
      return !previous || previous.status !== condition.status || previous.reason !== condition.reason;
    })
    .map((condition) => ({
      type: condition.status === 'False' && /Failed|Blocked/.test(condition.reason) ? 'Warning' : 'Normal',
      reason: condition.reason,
      message: `${condition.type}=${condition.status}: ${condition.message}`.slice(0, 1024),
    }));
}

export async function recordEvents(
  objects: KubernetesObjectApi,
  tenant: Tenant,
  events: TenantEvent[],
  now: Date,
): Promise<void> {
  for (const event of events) {
    try {
      const body: CoreV1Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: {
          name: `${tenant.metadata.name}.${randomBytes(6).toString('hex')}`,
          namespace: EVENT_NAMESPACE,
        },
        involvedObject: {
          apiVersion: TENANT_API_VERSION,
          kind: TENANT_KIND,
          name: tenant.metadata.name,
          uid: tenant.metadata.uid,
          resourceVersion: tenant.metadata.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: 'cloudpos-operator' },
        reportingComponent: 'cloudpos.io/operator',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      await objects.create(body);
    } catch {
      // Best effort, like client-go's recorder: the status already says the same.
    }
  }
}
