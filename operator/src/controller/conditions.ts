// Kubernetes-style conditions, as pure functions: a condition keeps its lastTransitionTime while its
// status does not change, and the phase is derived from the conditions, never stored separately.
import { isDeepStrictEqual } from 'node:util';
import type { TenantStatus } from '../generated/tenant.ts';

export type Condition = NonNullable<TenantStatus['conditions']>[number];
export type ConditionType =
  'Ready' | 'DatabasePlaced' | 'DatabaseReady' | 'MessagingReady' | 'WorkloadsReady' | 'BackedUp';
export type Phase = NonNullable<TenantStatus['phase']>;

export interface ConditionInput {
  type: ConditionType;
  status: Condition['status'];
  reason: string;
  message: string;
}

export function setCondition(
  conditions: Condition[] | undefined,
  input: ConditionInput,
  observedGeneration: number,
  now: Date,
): Condition[] {
  const existing = conditions?.find((condition) => condition.type === input.type);
  const next: Condition = {
    ...input,
    observedGeneration,
    lastTransitionTime:
      existing && existing.status === input.status
        ? existing.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  return [...(conditions ?? []).filter((condition) => condition.type !== input.type), next].sort((a, b) =>
    a.type.localeCompare(b.type),
  );
}

export function conditionStatus(
  conditions: Condition[] | undefined,
  type: ConditionType,
): Condition['status'] {
  return conditions?.find((condition) => condition.type === type)?.status ?? 'Unknown';
}

/** Ready only when database, messaging and workloads all are; the rest follows from the parts. */
export function readyCondition(conditions: Condition[], suspended: boolean): ConditionInput {
  const parts: ConditionType[] = ['DatabaseReady', 'MessagingReady', 'WorkloadsReady'];
  const failing = parts.filter((type) => conditionStatus(conditions, type) !== 'True');
  if (failing.length === 0) {
    return suspended
      ? {
          type: 'Ready',
          status: 'False',
          reason: 'Suspended',
          message: 'The tenant is suspended: workloads are scaled to zero and data is read-only.',
        }
      : {
          type: 'Ready',
          status: 'True',
          reason: 'AllComponentsReady',
          message: 'Database, messaging and workloads are ready.',
        };
  }
  return {
    type: 'Ready',
    status: 'False',
    reason: 'ComponentsNotReady',
    message: `Waiting for: ${failing.join(', ')}.`,
  };
}

export function phaseOf(conditions: Condition[], options: { suspended: boolean; deleting: boolean }): Phase {
  if (options.deleting) return 'Deleting';
  if (options.suspended && conditionStatus(conditions, 'DatabaseReady') === 'True') return 'Suspended';
  if (conditionStatus(conditions, 'Ready') === 'True') return 'Ready';
  const failed = conditions.some(
    (condition) => condition.status === 'False' && condition.reason.endsWith('Failed'),
  );
  if (failed) return 'Degraded';
  return conditions.length === 0 ? 'Pending' : 'Provisioning';
}

/** Status equality without timestamps churn: used to skip writes when nothing changed. */
export function sameStatus(a: TenantStatus | undefined, b: TenantStatus): boolean {
  // Deep equality ignores key order: the server returns fields sorted, we build them in our order.
  return isDeepStrictEqual(normalize(a), normalize(b));
}

function normalize(status: TenantStatus | undefined): unknown {
  if (!status) return undefined;
  // Through JSON, as the server sees it: a key holding undefined is no key at all.
  return JSON.parse(
    JSON.stringify({
      ...status,
      conditions: [...(status.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)),
    }),
  ) as unknown;
}
