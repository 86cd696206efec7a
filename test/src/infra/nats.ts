// A real nats-server with JetStream on 127.0.0.1, its store in a directory of its own; readiness
// through the monitoring endpoint's JetStream health check.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { locateNatsServer } from '../tools/locate.ts';
import { versionOf } from '../tools/exec.ts';
import { natsOperatorIdentity, operatorModeConfig, type NatsOperatorIdentity } from './nats-operator.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface NatsOptions {
  dir: string;
  port?: number;
  monitorPort?: number;
  /** JWT operator mode: accounts are pushed at runtime; see nats-operator.ts. */
  operatorMode?: boolean;
}

export interface NatsServer {
  url: string;
  port: number;
  monitorUrl: string;
  version: string;
  /** Present in operator mode. */
  operator?: NatsOperatorIdentity;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startNats(options: NatsOptions): Promise<NatsServer> {
  const binary = await locateNatsServer();
  await mkdir(join(options.dir, 'jetstream'), { recursive: true });
  const port = options.port ?? (await freePort());
  const monitorPort = options.monitorPort ?? (await freePort());
  const identity = options.operatorMode ? await natsOperatorIdentity(options.dir) : undefined;
  const configFile = join(options.dir, 'nats-server.conf');
  if (identity) {
    await writeFile(
      configFile,
      operatorModeConfig({ identity, port, monitorPort, dir: options.dir, serverName: `cloudpos-${port}` }),
    );
  }
  // prettier-ignore
  const flags = [
    '--addr', '127.0.0.1',
    '--port', String(port),
    '--http_port', String(monitorPort),
    '--jetstream',
    '--store_dir', join(options.dir, 'jetstream'),
    '--server_name', `cloudpos-${port}`,
  ];
  const server = new ManagedProcess({
    name: 'nats-server',
    command: binary.path,
    args: identity ? ['--config', configFile] : flags,
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
    ...(identity
      ? {
          operator: {
            operatorSeed: identity.operatorSeed,
            operatorPublicKey: identity.operatorPublicKey,
            systemAccountPublicKey: identity.systemAccountPublicKey,
            systemUserCreds: identity.systemUserCreds,
          },
        }
      : {}),
    process: server,
    stop: async () => {
      await server.stop('SIGTERM');
    },
  };
}
