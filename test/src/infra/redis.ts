// A real redis-server on 127.0.0.1 in a directory of its own; append-only persistence when the
// data must survive a restart (npm start), none in tests.
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { locateRedisServer } from '../tools/locate.ts';
import { versionOf } from '../tools/exec.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface RedisOptions {
  dir: string;
  port?: number;
  durable: boolean;
}

export interface RedisServer {
  url: string;
  port: number;
  version: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  const binary = await locateRedisServer();
  await mkdir(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const server = new ManagedProcess({
    name: 'redis-server',
    command: binary.path,
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      options.dir,
      '--daemonize',
      'no',
      '--save',
      '',
      '--appendonly',
      options.durable ? 'yes' : 'no',
      '--protected-mode',
      'yes',
    ],
    logFile: join(options.dir, 'redis-server.log'),
  });
  try {
    await server.waitUntilReady(() => ping(port));
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    version: (await versionOf(binary.path)).match(/v=(\S+)/)?.[1] ?? 'unknown',
    process: server,
    stop: async () => {
      await server.stop('SIGTERM');
    },
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
