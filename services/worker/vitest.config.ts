import { harnessProject } from '@cloudpos/harness/vitest/project';

// The relay's tests start and stop their own NATS (an outage is part of what they test); the
// receipt mail tests queue through a real POS API (PostgreSQL, Redis) and start their own Mailpit.
export default harnessProject({ name: 'worker', root: import.meta.dirname, infra: ['postgres', 'redis'] });
