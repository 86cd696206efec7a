import { harnessProject } from '@cloudpos/harness/vitest/project';

export default harnessProject({
  name: 'operator',
  root: import.meta.dirname,
  infra: ['kubernetes', 'postgres', 'nats-operator'],
});
