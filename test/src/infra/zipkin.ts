// The local trace viewer: Zipkin's server (its UI at /zipkin/, its API at /api/v2) with in-memory
// storage, on Java with a small heap. Processes send it spans with OpenTelemetry's Zipkin exporter
// (OTEL_TRACES_EXPORTER=zipkin and OTEL_EXPORTER_ZIPKIN_ENDPOINT, see `exporterEnv`).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { locateZipkin } from '../tools/locate.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface ZipkinOptions {
  /** Holds its log; the spans themselves live in memory only. */
  dir: string;
  port?: number;
}

/** A span as Zipkin's v2 API returns it. */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

export interface ZipkinServer {
  /** The UI a person opens. */
  url: string;
  /** Where OTLP-less exporters post spans (Zipkin v2 JSON). */
  spansEndpoint: string;
  /** Environment for a process whose OpenTelemetry SDK should export here. */
  exporterEnv: Record<string, string>;
  /** The UI's page of one trace. */
  traceUrl(traceId: string): string;
  /** One trace's spans through Zipkin's own API; empty while it has none. */
  trace(traceId: string): Promise<ZipkinSpan[]>;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startZipkin(options: ZipkinOptions): Promise<ZipkinServer> {
  const zipkin = await locateZipkin();
  await mkdir(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const server = new ManagedProcess({
    name: 'zipkin',
    command: zipkin.java,
    args: [
      // A local viewer: a small heap and the quick-start compiler keep it light and fast to start.
      '-Xms32m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      zipkin.path,
      `--server.port=${port}`,
      '--server.address=127.0.0.1',
      '--logging.level.root=WARN',
    ],
    env: { ...process.env, STORAGE_TYPE: 'mem', MEM_MAX_SPANS: '200000' },
    logFile: join(options.dir, 'zipkin.log'),
  });
  try {
    // The JVM and Spring take 10 to 30 s on a busy 2-core machine.
    await server.waitUntilReady(async () => (await fetch(`${base}/health`)).ok, 90_000);
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  const spansEndpoint = `${base}/api/v2/spans`;
  return {
    url: `${base}/zipkin/`,
    spansEndpoint,
    exporterEnv: { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_ZIPKIN_ENDPOINT: spansEndpoint },
    traceUrl: (traceId) => `${base}/zipkin/traces/${traceId}`,
    async trace(traceId) {
      const response = await fetch(`${base}/api/v2/trace/${traceId}`);
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`Zipkin /api/v2/trace/${traceId}: HTTP ${response.status}`);
      return (await response.json()) as ZipkinSpan[];
    },
    process: server,
    stop: async () => {
      await server.stop('SIGTERM');
    },
  };
}
