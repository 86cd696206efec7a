// A child process with its output in a log file, a readiness wait that fails fast (with the log's
// tail) when the process dies, and a stop that escalates from SIGTERM to SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActionableError } from '../tools/errors.ts';

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly exited: Promise<ExitStatus>;
  private readonly child: ChildProcess;
  private exitStatus: ExitStatus | undefined;

  constructor(options: SpawnOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(options.command, options.args, {
      // A process group of its own: a Ctrl-C in the terminal reaches only the runner, which then
      // stops its children in order (API first, databases last).
      detached: true,
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        log.write(`\n[harness] could not start ${options.command}: ${error.message}\n`);
        this.exitStatus = { code: -1, signal: null };
        resolve(this.exitStatus);
      });
      this.child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        log.end();
        resolve(this.exitStatus);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  logTail(lines = 25): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log output)';
    }
  }

  /** Polls `check` until it returns true; rejects early if the process exits meanwhile. */
  async waitUntilReady(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited during start-up (${describe(this.exitStatus)}). Last log lines:\n${this.logTail()}`,
        );
      }
      if (await check().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready after ${timeoutMs} ms. Last log lines:\n${this.logTail()}`);
  }

  /** SIGTERM (or the given signal), then SIGKILL if it has not exited in time. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<ExitStatus> {
    if (!this.running) return this.exitStatus!;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(status: ExitStatus | undefined): string {
  if (!status) return 'still running';
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('could not allocate a free port');
  return address.port;
}

/** Fails with a clear message when a fixed port (npm start) is already taken. */
export async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ActionableError(
        `Port ${port} for ${what} is already in use.`,
        `stop whatever listens there (see: ss -ltnp 'sport = :${port}'), or choose another port: ${envVar}=<port> npm start`,
      );
    }
    throw error;
  } finally {
    if (server.listening) {
      server.close();
      await once(server, 'close');
    }
  }
}
