import { harnessProject } from '@cloudpos/harness/vitest/project';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';

export default mergeConfig(
  harnessProject({
    name: 'portal',
    root: import.meta.dirname,
    // Provisioning: local mode needs PostgreSQL and NATS in operator mode, the cluster path the API server;
    // store management a pooled POS API (Redis for its rate limits).
    infra: ['postgres', 'nats-operator', 'redis', 'kubernetes'],
    testTimeout: 120_000,
  }),
  // The routes are served from the production build, as in a pod: built once per run.
  { test: { globalSetup: [fileURLToPath(new URL('./src/testing/build.setup.ts', import.meta.url))] } },
);
