import { harnessProject } from './src/vitest/project.ts';

export default harnessProject({
  name: 'harness',
  root: import.meta.dirname,
  infra: ['postgres', 'nats', 'redis'],
  testTimeout: 120_000,
});
