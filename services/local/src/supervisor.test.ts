// The supervisor with real processes: a killed child comes back, one that keeps dying is given up
// with one message while the others run on, and Ctrl-C stops all of them, pending restarts too.
import { ManagedProcess } from '@cloudpos/harness';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-supervisor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A node process running `code`; `starts` counts how often it was started. */
function program(name: string, code: string, starts: { n: number }) {
  return async () => {
    starts.n += 1;
    const process = new ManagedProcess({
      name,
      command: globalThis.process.execPath,
      args: ['-e', code],
      logFile: join(dir, `${name}.log`),
    });
    return { process, stop: () => process.stop('SIGTERM') };
  };
}

const STAYS = 'setInterval(() => {}, 1000)';

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  if (!check()) throw new Error(`timed out: ${what}`);
}

describe('the local platform supervisor', () => {
  it('starts a killed child again, and gives up on one that keeps dying while the others run', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      say: (line) => lines.push(line),
      maxCrashes: 3,
      backoffMs: () => 20,
    });
    const steady = { n: 0 };
    const crashing = { n: 0 };
    const first = await supervisor.keep('steady', program('steady', STAYS, steady));
    await supervisor.keep('crashing', program('crashing', 'process.exit(3)', crashing));

    first.process.stop('SIGKILL').catch(() => {});
    await until(() => lines.includes('steady is running again.'), 'steady restarted');
    expect(lines).toContain(
      `steady stopped unexpectedly (signal SIGKILL); starting it again in 0.02 s. Log: ${dir}/steady.log`,
    );
    expect(steady.n).toBe(2);

    await until(() => lines.some((line) => line.includes('it stays stopped')), 'crashing given up');
    expect(crashing.n).toBe(3);
    expect(lines.find((line) => line.includes('it stays stopped'))).toBe(
      `crashing stopped unexpectedly (exit code 3), 3 times within 10 min: it stays stopped and the rest keeps running. Read its log: ${dir}/crashing.log; restart npm start when it is fixed.`,
    );
    await sleep(100);
    expect(crashing.n).toBe(3);
    expect(steady.n).toBe(2);

    await supervisor.stopAll((name, error) => {
      throw new Error(`${name}: ${error.message}`);
    });
    expect(steady.n).toBe(2); // a stop is not a crash: nothing is started again
  });

  it('cancels a pending restart on Ctrl-C, and stops in reverse order', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({ say: (line) => lines.push(line), backoffMs: () => 60_000 });
    const starts = { n: 0 };
    const stopped: string[] = [];
    const child = await supervisor.keep('api', program('api', STAYS, starts));
    supervisor.onStop('fake', async () => stopped.push('fake'));
    await child.process.stop('SIGKILL');
    await until(() => lines.some((line) => line.startsWith('api stopped unexpectedly')), 'crash seen');
    const started = Date.now();
    await supervisor.stopAll(() => {});
    expect(Date.now() - started).toBeLessThan(5_000); // not the 60 s backoff
    expect(stopped).toEqual(['fake']);
    expect(starts.n).toBe(1);
  });
});
