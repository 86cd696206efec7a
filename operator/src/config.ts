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
    /**
     * The SMTP server tenant workers send receipt e-mails through (SMTP_URL's host and port). Opened
     * only while the operator has SMTP_URL: without it no tenant sends mail.
     */
    smtp?: EgressTarget;
  };
  /**
   * Where Prometheus scrapes from (its pods' namespace and labels, or a CIDR): tenant pods admit it
   * on their metrics ports (the POS API's HTTP port, the worker's metrics port), which the chart's
   * PodMonitor scrapes. Without it nothing from outside a tenant's namespace reaches them but the
   * ingress controller.
   */
  monitoring?: Omit<EgressTarget, 'name' | 'port'>;
  /**
   * The sender of receipt e-mails (the worker's MAIL_FROM), when the operator has SMTP_URL:
   * "CloudPOS receipts <receipts@example.com>". `CloudPOS receipts <receipts@<baseDomain>>` when
   * absent: the worker's own default is a .localhost address, which a real relay refuses.
   */
  mailFrom?: string;
  /**
   * The PostgreSQL clusters tenants are placed on (ADR 0022), each as tenant pods reach it; the
   * operator's admin URL of each comes from the environment (see loadDatabaseClusters). Absent: one
   * cluster named `default`, `endpoints.postgres*` and `egress.postgres`, as before clusters existed.
   */
  databaseClusters?: DatabaseClusterConfig[];
  /**
   * Where a Tenant without spec.database.cluster goes, chosen once and kept: `Default` puts it on
   * `defaultDatabaseCluster`, `FewestTenants` on the cluster that holds the fewest tenants now
   * (ties: the first listed). `Default` when absent.
   */
  placement?: PlacementRule;
  /** The cluster of `Default` placement, and the one DATABASE_URL is for; the first listed when absent. */
  defaultDatabaseCluster?: string;
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

export type PlacementRule = 'Default' | 'FewestTenants';

/** A named PostgreSQL cluster as tenant pods reach it (a CloudNativePG Cluster's `-rw` Service, say). */
export interface DatabaseClusterConfig {
  /** A DNS label; Tenants name it in spec.database.cluster. */
  name: string;
  host: string;
  port: number;
  /** The database that holds the tenants' schemas (the operator's admin URL is pointed at it too). */
  database: string;
  /** What tenant pods on this cluster may connect to; `egress.postgres` when absent. */
  egress?: EgressTarget;
}

/** A cluster with the operator's own admin connection URL (a secret: never in the config file). */
export interface DatabaseClusterAccess extends DatabaseClusterConfig {
  adminUrl: string;
}

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** The clusters of the config, the implicit `default` one when none are listed. */
export function databaseClustersOf(config: OperatorConfig): DatabaseClusterConfig[] {
  if (config.databaseClusters?.length) return config.databaseClusters;
  const { postgresHost, postgresPort, postgresDatabase } = config.endpoints;
  return [{ name: 'default', host: postgresHost, port: postgresPort, database: postgresDatabase }];
}

/** A cluster of the config by name (builders are only called with a placed tenant's, which exists). */
export function databaseClusterNamed(config: OperatorConfig, name: string): DatabaseClusterConfig {
  const cluster = databaseClustersOf(config).find((candidate) => candidate.name === name);
  if (!cluster) throw new OperatorConfigError(`no database cluster named ${name} in the operator's config`);
  return cluster;
}

export function defaultDatabaseClusterOf(config: OperatorConfig): string {
  return config.defaultDatabaseCluster ?? databaseClustersOf(config)[0]!.name;
}

/** The environment variable holding a cluster's admin URL: DATABASE_URL_<NAME> (eu-2: DATABASE_URL_EU_2). */
export const adminUrlVariable = (name: string) => `DATABASE_URL_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * Every cluster of the config with its admin URL: DATABASE_URL_<NAME>, or DATABASE_URL for the
 * default cluster. The URL's database is replaced by the cluster's `database`, so a CloudNativePG
 * superuser Secret's `uri` (which names the database `*`) can be used as it is. Errors name the
 * setting, never its value.
 */
export function loadDatabaseClusters(
  config: OperatorConfig,
  env: NodeJS.ProcessEnv = process.env,
): DatabaseClusterAccess[] {
  const clusters = databaseClustersOf(config);
  const names = clusters.map((cluster) => cluster.name);
  for (const name of names) {
    if (!CLUSTER_NAME.test(name))
      throw new OperatorConfigError(`databaseClusters: "${name}" is not a valid name (a DNS label)`);
  }
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new OperatorConfigError(`databaseClusters: "${twice}" is listed twice`);
  const defaultName = defaultDatabaseClusterOf(config);
  if (!names.includes(defaultName))
    throw new OperatorConfigError(
      `defaultDatabaseCluster "${defaultName}" is not one of the databaseClusters (${names.join(', ')})`,
    );
  if (config.placement !== undefined && !['Default', 'FewestTenants'].includes(config.placement))
    throw new OperatorConfigError(
      `placement must be Default or FewestTenants, not "${String(config.placement)}"`,
    );
  return clusters.map((cluster) => {
    const variable = adminUrlVariable(cluster.name);
    const value = env[variable] || (cluster.name === defaultName ? env.DATABASE_URL : undefined);
    const named = cluster.name === defaultName ? `${variable} (or DATABASE_URL)` : variable;
    if (!value)
      throw new OperatorConfigError(`${named} is not set: the admin URL of database cluster ${cluster.name}`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OperatorConfigError(`${named} is invalid (postgres://user:password@host:port/database)`);
    }
    if (!/^postgres(ql)?:$/.test(url.protocol))
      throw new OperatorConfigError(`${named} is invalid (postgres://user:password@host:port/database)`);
    url.pathname = `/${encodeURIComponent(cluster.database)}`;
    return { ...cluster, adminUrl: url.toString() };
  });
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

/**
 * The SMTP server tenant workers send receipt e-mails through: SMTP_URL (smtp:// or smtps://, with
 * the relay's user and password: from a Secret, never the OperatorConfig file). Unset: receipt
 * e-mails stay queued in each tenant's schema. Errors name the setting, never its value.
 */
export function loadSmtpUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.SMTP_URL;
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OperatorConfigError('SMTP_URL is invalid (smtp:// or smtps://user:password@host:port)');
  }
  if (!/^smtps?:$/.test(parsed.protocol) || !parsed.hostname) {
    throw new OperatorConfigError('SMTP_URL is invalid (smtp:// or smtps://user:password@host:port)');
  }
  return url;
}

/**
 * What a tenant's containers start under the image's entrypoint (node with telemetry loaded): the
 * images hold the services compiled to JavaScript (services/local/src/images.ts, whose test checks
 * these are its images' commands). The worker may run on the POS API's image.
 */
export const TENANT_ENTRY_POINTS = {
  'pos-api': 'services/pos-api/src/server.js',
  worker: 'services/worker/src/main.js',
} as const;
