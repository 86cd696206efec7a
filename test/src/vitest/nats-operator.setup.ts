// vitest global setup: a real nats-server in operator (JWT) mode, for tests that create accounts.
import type { TestProject } from 'vitest/node';
import { startNats } from '../infra/nats.ts';
import { withTempDir } from './infra.ts';
import './provided.ts';

export default async function setup(project: TestProject) {
  const { instance, teardown } = await withTempDir(project, 'nats-operator', (dir) =>
    startNats({ dir, operatorMode: true }),
  );
  project.provide('natsOperatorUrl', instance.url);
  project.provide('natsOperatorSeed', instance.operator!.operatorSeed);
  project.provide('natsSystemUserCreds', instance.operator!.systemUserCreds);
  return teardown;
}
