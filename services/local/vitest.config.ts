import { harnessProject } from '@cloudpos/harness/vitest/project';

// No shared infra: each test starts the whole local platform, as `npm start` does.
export default harnessProject({ name: 'local', root: import.meta.dirname, testTimeout: 120_000 });
