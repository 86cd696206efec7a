import { harnessProject } from '@cloudpos/harness/vitest/project';

export default harnessProject({
  name: 'telemetry',
  root: import.meta.dirname,
  infra: ['postgres', 'nats', 'redis'],
});
