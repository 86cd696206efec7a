import { harnessProject } from '@cloudpos/harness/vitest/project';

// Each test starts the local platform's engines itself, as `npm start` does; the Kubernetes
// control plane is shared, for `npm run operator`.
export default harnessProject({
  name: 'local',
  root: import.meta.dirname,
  // Two full starts of the platform fit in one test, even on a busy 2-core machine.
  testTimeout: 180_000,
  infra: ['kubernetes'],
});
