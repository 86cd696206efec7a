import { harnessProject } from '@cloudpos/harness/vitest/project';

export default harnessProject({
  name: 'operator',
  root: import.meta.dirname,
  testTimeout: 120_000,
  infra: ['kubernetes', 'postgres', 'nats-operator', 'redis'],
});
