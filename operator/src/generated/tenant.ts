// Generated from crds/cloudpos.io_tenants.yaml by `npm run generate -w @cloudpos/operator`.
// Do not edit: change the CRD and regenerate (a test fails when this file is out of date).
import type { V1ObjectMeta } from '@kubernetes/client-node';

export const TENANT_API_VERSION = 'cloudpos.io/v1alpha1';
export const TENANT_KIND = 'Tenant';

/**
 * What the merchant bought and how their shop is set up.
 */
export interface TenantSpec {
  /**
   * The tenant's identity in URLs, namespaces and schemas (a DNS label). Immutable.
   */
  slug: string;
  /**
   * The merchant's name as shown to people.
   */
  displayName: string;
  /**
   * The subscription plan; it sets quotas, replicas and stream limits.
   */
  plan: 'starter' | 'growth' | 'scale';
  /**
   * Who to contact about this tenant.
   */
  owner: {
    name: string;
    email: string;
  };
  /**
   * ISO 4217 code of the currency the tenant sells in.
   */
  currency:
    | 'AED'
    | 'AFN'
    | 'ALL'
    | 'AMD'
    | 'AOA'
    | 'ARS'
    | 'AUD'
    | 'AWG'
    | 'AZN'
    | 'BAM'
    | 'BBD'
    | 'BDT'
    | 'BHD'
    | 'BIF'
    | 'BMD'
    | 'BND'
    | 'BOB'
    | 'BRL'
    | 'BSD'
    | 'BTN'
    | 'BWP'
    | 'BYN'
    | 'BZD'
    | 'CAD'
    | 'CDF'
    | 'CHF'
    | 'CLP'
    | 'CNY'
    | 'COP'
    | 'CRC'
    | 'CUP'
    | 'CVE'
    | 'CZK'
    | 'DJF'
    | 'DKK'
    | 'DOP'
    | 'DZD'
    | 'EGP'
    | 'ERN'
    | 'ETB'
    | 'EUR'
    | 'FJD'
    | 'FKP'
    | 'GBP'
    | 'GEL'
    | 'GHS'
    | 'GIP'
    | 'GMD'
    | 'GNF'
    | 'GTQ'
    | 'GYD'
    | 'HKD'
    | 'HNL'
    | 'HTG'
    | 'HUF'
    | 'IDR'
    | 'ILS'
    | 'INR'
    | 'IQD'
    | 'IRR'
    | 'ISK'
    | 'JMD'
    | 'JOD'
    | 'JPY'
    | 'KES'
    | 'KGS'
    | 'KHR'
    | 'KMF'
    | 'KPW'
    | 'KRW'
    | 'KWD'
    | 'KYD'
    | 'KZT'
    | 'LAK'
    | 'LBP'
    | 'LKR'
    | 'LRD'
    | 'LSL'
    | 'LYD'
    | 'MAD'
    | 'MDL'
    | 'MGA'
    | 'MKD'
    | 'MMK'
    | 'MNT'
    | 'MOP'
    | 'MRU'
    | 'MUR'
    | 'MVR'
    | 'MWK'
    | 'MXN'
    | 'MYR'
    | 'MZN'
    | 'NAD'
    | 'NGN'
    | 'NIO'
    | 'NOK'
    | 'NPR'
    | 'NZD'
    | 'OMR'
    | 'PAB'
    | 'PEN'
    | 'PGK'
    | 'PHP'
    | 'PKR'
    | 'PLN'
    | 'PYG'
    | 'QAR'
    | 'RON'
    | 'RSD'
    | 'RUB'
    | 'RWF'
    | 'SAR'
    | 'SBD'
    | 'SCR'
    | 'SDG'
    | 'SEK'
    | 'SGD'
    | 'SHP'
    | 'SLE'
    | 'SOS'
    | 'SRD'
    | 'SSP'
    | 'STN'
    | 'SVC'
    | 'SYP'
    | 'SZL'
    | 'THB'
    | 'TJS'
    | 'TMT'
    | 'TND'
    | 'TOP'
    | 'TRY'
    | 'TTD'
    | 'TWD'
    | 'TZS'
    | 'UAH'
    | 'UGX'
    | 'USD'
    | 'UYU'
    | 'UZS'
    | 'VES'
    | 'VND'
    | 'VUV'
    | 'WST'
    | 'XAF'
    | 'XCD'
    | 'XCG'
    | 'XOF'
    | 'XPF'
    | 'YER'
    | 'ZAR'
    | 'ZMW'
    | 'ZWG';
  /**
   * IANA time zone, for reports and business days.
   */
  timezone?: string;
  /**
   * BCP 47 language tag for receipts and the till.
   */
  locale?: string;
  /**
   * The tenant's stores; more can be added from the portal.
   *
   * @maxItems 100
   */
  stores?: {
    code: string;
    name: string;
    /**
     * Overrides the tenant's time zone for this store.
     */
    timezone?: string;
  }[];
  /**
   * Per-tenant feature flag overrides (flag name to on/off), on top of the plan's entitlements.
   */
  features?: {
    [k: string]: boolean | undefined;
  };
  /**
   * Scales the workloads to zero and makes the tenant read-only, keeping all data.
   */
  suspended?: boolean;
  /**
   * Scheduled backups of the tenant's schema (verified dumps kept with a retention). Each field defaults to the plan's schedule.
   */
  backup?: {
    /**
     * Hours between two backups; 0 turns scheduled backups off.
     */
    intervalHours?: number;
    /**
     * How many scheduled backups to keep (the oldest go first).
     */
    keep?: number;
  };
  /**
   * Where the tenant's data lives.
   */
  database?: {
    /**
     * The named PostgreSQL cluster (one of the operator's databaseClusters) that holds the tenant's schema and role. Absent, the operator's placement rule chooses one once; status.database.cluster names it either way. A tenant is never moved between clusters; a changed value is refused (DatabasePlaced=False, MoveRefused) and the tenant stays where it is.
     */
    cluster?: string;
  };
  /**
   * What happens to the tenant's data when the Tenant is deleted.
   */
  deletionPolicy?: 'Retain' | 'BackupThenDelete' | 'Delete';
}

export interface TenantStatus {
  phase?: 'Pending' | 'Provisioning' | 'Ready' | 'Suspended' | 'Degraded' | 'Deleting';
  observedGeneration?: number;
  /**
   * Where the tenant's till is served.
   */
  url?: string;
  /**
   * The tenant's PostgreSQL schema.
   */
  schema?: string;
  /**
   * The tenant's Kubernetes namespace.
   */
  namespace?: string;
  /**
   * Where the tenant's data lives.
   */
  database?: {
    /**
     * The PostgreSQL cluster that holds the tenant's schema and role, chosen once (by spec.database.cluster or the placement rule) and kept.
     */
    cluster?: string;
  };
  /**
   * The newest scheduled backup that was written and verified.
   */
  lastBackup?: {
    time: string;
    /**
     * The dump's file name in the operator's backup directory.
     */
    file: string;
    bytes?: number;
    tables?: number;
    /**
     * Where its copy in object storage is (s3://bucket/key), when a bucket is configured.
     */
    copiedTo?: string;
  };
  conditions?: {
    type: string;
    status: 'True' | 'False' | 'Unknown';
    observedGeneration?: number;
    lastTransitionTime: string;
    reason: string;
    message: string;
  }[];
}

export interface Tenant {
  apiVersion: typeof TENANT_API_VERSION;
  kind: typeof TENANT_KIND;
  metadata: V1ObjectMeta;
  spec: TenantSpec;
  status?: TenantStatus;
}
