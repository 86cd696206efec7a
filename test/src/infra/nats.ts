// A real nats-server with JetStream on 127.0.0.1, its store in a directory of its own; readiness
// through the monitoring endpoint's JetStream health check.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { locateNatsServer } from '../tools/locate.ts';
import { versionOf } from '../tools/exec.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface NatsOptions {
  dir: string;
  port?: number;
  monitorPort?: number;
}

export interface NatsServer {
  url: string;
  port: number;
  monitorUrl: string;
  version: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startNats(options: NatsOptions): Promise<NatsServer> {
  const binary = await locateNatsServer();
  await mkdir(join(options.dir, 'jetstream'), { recursive: true });
  const port = options.port ?? (await freePort());
  const monitorPort = options.monitorPort ?? (await freePort());
  const server = new ManagedProcess({
    name: 'nats-server',
    command: binary.path,
    args: [
      '--addr',
      '127.0.0.1',
      '--port',
      String(port),
      '--http_port',
      String(monitorPort),
      '--jetstream',
      '--store_dir',
      join(options.dir, 'jetstream'),
      '--server_name',
      `cloudpos-${port}`,
    ],
    logFile: join(options.dir, 'nats-server.log'),
  });
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  try {
    await server.waitUntilReady(async () => {
      const response = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`);
      return response.ok;
    });
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl,
    version: (await versionOf(binary.path)).replace(/^nats-server:\s*/, ''),
    process: server,
    stop: async () => {
      await server.stop('SIGTERM');
    },
  };
}
