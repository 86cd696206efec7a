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
  /**
   * Image of the POS API (`npm run images`: its entrypoint loads telemetry, its command is the start
   * file, which the tenant workloads also pass as args).
   */
  image: string;
  /** Image of the worker; the POS API's image when not given (it holds the worker too). */
  workerImage?: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Tenants are served at https://<slug>.<baseDomain>. */
  baseDomain: string;
  ingressClassName: string;
  /** cert-manager ClusterIssuer that issues each tenant's TLS certificate. */
  clusterIssuer: string;
  /** Namespace of the ingress controller: the only source of traffic from outside the namespace. */
  ingressNamespace: string;
  /**
   * Addresses or CIDRs of the ingress controller's pods (the pod network's range, say 10.0.0.0/8):
   * the POS API believes their X-Forwarded-For (TRUST_PROXY). Without them every till behind the
   * ingress shares one client address, and one stranger's junk slows them all.
   */
  trustedProxies?: string[];
  egress: {
    dns: EgressTarget;
    postgres: EgressTarget;
    nats: EgressTarget;
    redis: EgressTarget;
    otelCollector: EgressTarget;
  };
  /** Where scheduled backups and BackupThenDelete write schema dumps (a mounted volume in the cluster). */
  backupDir?: string;
  /**
   * S3-compatible object storage that receives a copy of every scheduled backup (same retention);
   * its keys come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never this file.
   */
  backupBucket?: { url: string; endpoint?: string; region?: string };
  /** Passed to tenant workloads. */
  endpoints: {
    postgresHost: string;
    postgresPort: number;
    postgresDatabase: string;
    natsUrl: string;
    /** The shared Redis as tenant pods reach it, without credentials: each gets its own ACL user. */
    redisUrl: string;
    otlpEndpoint?: string;
  };
}

export class OperatorConfigError extends Error {
  override name = 'OperatorConfigError';
}

/**
 * The operator's own Redis connection, which creates each tenant's ACL user: REDIS_ADMIN_URL (a
 * user allowed ACL SETUSER/DELUSER, from a Secret: never in the OperatorConfig file) and
 * REDIS_ACL_FILE=true when the server keeps its users in an aclfile (then ACL SAVE follows each
 * change). Errors name the setting, never its value.
 */
export function loadRedisAdmin(env: NodeJS.ProcessEnv = process.env): { url: string; saveAcl: boolean } {
  const url = env.REDIS_ADMIN_URL;
  if (!url) throw new OperatorConfigError('REDIS_ADMIN_URL is not set');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OperatorConfigError('REDIS_ADMIN_URL is invalid (redis://user:password@host:port)');
  }
  if (!/^rediss?:$/.test(parsed.protocol)) {
    throw new OperatorConfigError('REDIS_ADMIN_URL is invalid (redis://user:password@host:port)');
  }
  if (!parsed.password) {
    throw new OperatorConfigError('REDIS_ADMIN_URL has no password: Redis must require one');
  }
  const saveAcl = env.REDIS_ACL_FILE ?? 'false';
  if (saveAcl !== 'true' && saveAcl !== 'false') {
    throw new OperatorConfigError('REDIS_ACL_FILE is invalid (true or false)');
  }
  return { url, saveAcl: saveAcl === 'true' };
}
