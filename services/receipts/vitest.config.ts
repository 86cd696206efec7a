import { harnessProject } from '@cloudpos/harness/vitest/project';

// Pure code: no real dependencies to start.
export default harnessProject({ name: 'receipts', root: import.meta.dirname });
