import { harnessProject } from '@cloudpos/harness/vitest/project';

// The relay's tests start and stop their own NATS (an outage is part of what they test).
export default harnessProject({ name: 'worker', root: import.meta.dirname, infra: ['postgres'] });
