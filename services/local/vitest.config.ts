import { harnessProject } from '@cloudpos/harness/vitest/project';

// Each test starts the local platform's engines itself, as `npm start` does; the Kubernetes
// control plane is shared, for `npm run operator`.
export default harnessProject({
  name: 'local',
  root: import.meta.dirname,
  testTimeout: 120_000,
  infra: ['kubernetes'],
});
