import { harnessProject } from './src/vitest/project.ts';

export default harnessProject({
  name: 'harness',
  root: import.meta.dirname,
  infra: ['postgres', 'nats', 'redis', 'kubernetes'],
  testTimeout: 120_000,
});
