// The operator's configuration: where tenant workloads come from and which shared infrastructure
// they may reach. Read from the environment at start-up (see loadOperatorConfig).

/**
 * The Lease only the leader holds. The chart puts it in the release namespace (LEASE_NAMESPACE from
 * the pod's own); elsewhere this default applies, and that namespace must exist.
 */
export const OPERATOR_LEASE = { namespace: 'cloudpos-system', name: 'cloudpos-operator' } as const;

/** Something tenant pods may connect to: an address block or in-cluster pods, on one port. */
export interface EgressTarget {
  name: string;
  port: number;
  /** CIDR of an endpoint outside the cluster (a managed Postgres, say). */
  cidr?: string;
  /** Pods in another namespace (the NATS chart's pods, say). */
  namespace?: string;
  podLabels?: Record<string, string>;
}

export interface OperatorConfig {
  /** Image of the POS API and the worker (same image, different command). */
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Tenants are served at https://<slug>.<baseDomain>. */
  baseDomain: string;
  ingressClassName: string;
  /** cert-manager ClusterIssuer that issues each tenant's TLS certificate. */
  clusterIssuer: string;
  /** Namespace of the ingress controller: the only source of traffic from outside the namespace. */
  ingressNamespace: string;
  egress: {
    dns: EgressTarget;
    postgres: EgressTarget;
    nats: EgressTarget;
    redis: EgressTarget;
    otelCollector: EgressTarget;
  };
  /** Where BackupThenDelete writes tenant schema dumps (a mounted volume in the cluster). */
  backupDir?: string;
  /** Passed to tenant workloads. */
  endpoints: {
    postgresHost: string;
    postgresPort: number;
    postgresDatabase: string;
    natsUrl: string;
    redisUrl: string;
    otlpEndpoint?: string;
  };
}
