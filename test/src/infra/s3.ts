// A real S3-compatible object store for tests: Versity's S3 gateway serving a directory (each
// top-level folder a bucket), with one root access key, on a free port.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { locateVersitygw } from '../tools/locate.ts';
import { ManagedProcess, freePort } from './process.ts';

export interface S3Server {
  /** The endpoint (path-style addressing). */
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The folder that holds the buckets: `<dir>/<bucket>/<key>`. */
  dataDir: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startS3(options: { dir: string; buckets?: string[] }): Promise<S3Server> {
  const binary = await locateVersitygw();
  const dataDir = join(options.dir, 'data');
  await mkdir(dataDir, { recursive: true });
  // A bucket is a folder: the ones asked for exist from the start.
  for (const bucket of options.buckets ?? []) await mkdir(join(dataDir, bucket), { recursive: true });
  const port = await freePort();
  const credentials = {
    accessKeyId: `test${randomBytes(6).toString('hex')}`,
    secretAccessKey: randomBytes(18).toString('base64url'),
  };
  const region = 'us-east-1';
  const server = new ManagedProcess({
    name: 'versitygw',
    command: binary.path,
    args: ['--port', `127.0.0.1:${port}`, '--region', region, 'posix', '--nometa', dataDir],
    // Keys through the environment: never on a command line that `ps` shows.
    env: {
      ...process.env,
      ROOT_ACCESS_KEY_ID: credentials.accessKeyId,
      ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    logFile: join(options.dir, 'versitygw.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    // Any HTTP answer (an unsigned request is refused with 403) means it is serving.
    await server.waitUntilReady(async () => (await fetch(url)).status > 0);
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return {
    url,
    region,
    credentials,
    dataDir,
    process: server,
    stop: () => server.stop('SIGTERM').then(() => {}),
  };
}
