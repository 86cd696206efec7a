import { harnessProject } from '@cloudpos/harness/vitest/project';

export default harnessProject({
  name: 'pos-api',
  root: import.meta.dirname,
  infra: ['postgres', 'nats', 'redis'],
});
