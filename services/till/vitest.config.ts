import { harnessProject } from '@cloudpos/harness/vitest/project';
import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration } from 'vitest/config';

// Browser tests against a real POS API on the test PostgreSQL and Redis. The till is built (when
// its sources changed) once before any test runs.
const project = harnessProject({
  name: 'till',
  root: import.meta.dirname,
  infra: ['postgres', 'redis'],
  testTimeout: 120_000,
});
const globalSetup = [project.test?.globalSetup ?? []].flat();

const config: TestProjectInlineConfiguration = {
  ...project,
  test: {
    ...project.test,
    globalSetup: [...globalSetup, fileURLToPath(new URL('./test-build.setup.ts', import.meta.url))],
    // One Chromium at a time: the machine is shared.
    fileParallelism: false,
  },
};

export default config;
