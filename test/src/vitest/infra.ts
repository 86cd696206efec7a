// Starts one real dependency in a fresh temporary directory for a vitest project, and decides at
// teardown whether to keep its directory (and logs): kept when a test failed, removed otherwise.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export interface Stoppable {
  stop(): Promise<void>;
}

export async function withTempDir<T extends Stoppable>(
  project: TestProject,
  label: string,
  start: (dir: string) => Promise<T>,
): Promise<{ instance: T; teardown: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `cloudpos-${label}-`));
  let instance: T;
  try {
    instance = await start(dir);
  } catch (error) {
    process.stderr.write(`[harness] ${label} failed to start; its files are kept in ${dir}\n`);
    throw error;
  }
  const teardown = async () => {
    await instance.stop();
    const state = project.vitest.state;
    const failed = state.getCountOfFailedTests() > 0 || state.getFailedFilepaths().length > 0;
    if (failed || process.env.CLOUDPOS_KEEP_TEST_DIRS) {
      process.stderr.write(
        `[harness] tests failed in project ${project.name}: ${label} logs kept in ${dir}\n`,
      );
    } else {
      await rm(dir, { recursive: true, force: true });
    }
  };
  return { instance, teardown };
}
