// What the harness's global setups provide to tests, read with vitest's inject().
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresVersion: string;
    /** The server's log (stderr), for tests that check what it records. */
    postgresLogFile: string;
    /** pg_dump / pg_restore of the server's major version (also exported as PG_DUMP / PG_RESTORE). */
    pgDumpPath: string;
    pgRestorePath: string;
    natsUrl: string;
    natsMonitorUrl: string;
    natsVersion: string;
    redisUrl: string;
    redisVersion: string;
    natsOperatorUrl: string;
    natsOperatorSeed: string;
    natsSystemUserCreds: string;
    kubeconfigPath: string;
    kubectlPath: string;
    helmPath: string;
    /** The Prometheus Operator's ServiceMonitor and PrometheusRule CRDs (not installed by the setup). */
    monitoringCrdsPath: string;
    /** CloudNativePG's Cluster CRD (not installed by the setup). */
    cnpgCrdsPath: string;
    /** Prometheus's promtool (check and unit-test alerting rules). */
    promtoolPath: string;
  }
}
