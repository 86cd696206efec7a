import { harnessProject } from '@cloudpos/harness/vitest/project';

export default harnessProject({ name: 'tenant-db', root: import.meta.dirname, infra: ['postgres'] });
