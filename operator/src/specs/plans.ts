// What each plan buys, in Kubernetes terms. One table, so a plan change is one diff.
import type { TenantSpec } from '../generated/tenant.ts';

export type Plan = TenantSpec['plan'];

/** Plans from smallest to largest. */
export const PLAN_ORDER: Plan[] = ['starter', 'growth', 'scale'];

export interface PlanLimits {
  quota: { cpu: string; memory: string; pods: number };
  apiReplicas: number;
  workerReplicas: number;
  /** HorizontalPodAutoscaler bounds for the POS API; absent on plans without autoscaling. */
  autoscaling?: { minReplicas: number; maxReplicas: number; targetCpuPercent: number };
  container: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  /** The tenant's JetStream stream. */
  stream: { maxBytes: number; maxAgeDays: number };
  /** Scheduled backups of the tenant's schema, unless its spec.backup says otherwise. */
  backup: { intervalHours: number; keep: number };
}

const GiB = 1024 ** 3;

export const PLANS: Record<Plan, PlanLimits> = {
  starter: {
    quota: { cpu: '2', memory: '4Gi', pods: 20 },
    apiReplicas: 1,
    workerReplicas: 1,
    container: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
    stream: { maxBytes: 1 * GiB, maxAgeDays: 30 },
    backup: { intervalHours: 24, keep: 7 },
  },
  growth: {
    quota: { cpu: '8', memory: '16Gi', pods: 50 },
    apiReplicas: 2,
    workerReplicas: 1,
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 70 },
    container: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    stream: { maxBytes: 10 * GiB, maxAgeDays: 90 },
    backup: { intervalHours: 24, keep: 14 },
  },
  scale: {
    quota: { cpu: '32', memory: '64Gi', pods: 200 },
    apiReplicas: 3,
    workerReplicas: 2,
    autoscaling: { minReplicas: 3, maxReplicas: 20, targetCpuPercent: 65 },
    container: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    stream: { maxBytes: 100 * GiB, maxAgeDays: 365 },
    backup: { intervalHours: 6, keep: 28 },
  },
};
