// A real redis-server on 127.0.0.1 in a directory of its own; append-only persistence when the
// data must survive a restart (npm start), none in tests. Always with a password (the default
// user's, which stays the administrator that creates tenant ACL users): it is written to a 0600
// config file, never on the command line where `ps` would show it.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { locateRedisServer } from '../tools/locate.ts';
import { versionOf } from '../tools/exec.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface RedisOptions {
  dir: string;
  port?: number;
  durable: boolean;
  /** The default user's password; generated when not given (npm start passes a persisted one). */
  password?: string;
}

export interface RedisServer {
  /** With the password: for clients, never for printing (use `displayUrl`). */
  url: string;
  /** The URL with the password masked. */
  displayUrl: string;
  password: string;
  port: number;
  version: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  const binary = await locateRedisServer();
  await mkdir(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const password = options.password ?? randomBytes(18).toString('base64url');
  const configFile = join(options.dir, 'redis.conf');
  await writeFile(configFile, redisConfig({ port, dir: options.dir, durable: options.durable, password }), {
    mode: 0o600,
  });
  const server = new ManagedProcess({
    name: 'redis-server',
    command: binary.path,
    args: [configFile],
    logFile: join(options.dir, 'redis-server.log'),
  });
  try {
    await server.waitUntilReady(() => ping(port, password));
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return {
    url: redisUrl(port, password),
    displayUrl: redisUrl(port, '***'),
    password,
    port,
    version: (await versionOf(binary.path)).match(/v=(\S+)/)?.[1] ?? 'unknown',
    process: server,
    stop: async () => {
      await server.stop('SIGTERM');
    },
  };
}

/** redis.conf: one directive a line; the password has no spaces or quotes (base64url). */
function redisConfig(options: { port: number; dir: string; durable: boolean; password: string }): string {
  if (!/^[A-Za-z0-9_-]+$/.test(options.password)) {
    throw new Error('the Redis password must be made of letters, digits, - and _ (base64url)');
  }
  return [
    'bind 127.0.0.1',
    `port ${options.port}`,
    `dir "${options.dir}"`,
    'daemonize no',
    'save ""',
    `appendonly ${options.durable ? 'yes' : 'no'}`,
    'protected-mode yes',
    `requirepass ${options.password}`,
    '',
  ].join('\n');
}

function redisUrl(port: number, password: string): string {
  return `redis://default:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}

function ping(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (data) => {
      received += data.toString();
      if (received.includes('+PONG')) done(true);
      else if (received.includes('-')) done(false);
    });
    socket.connect(port, '127.0.0.1', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
  });
}
