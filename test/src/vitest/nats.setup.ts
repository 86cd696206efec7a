// vitest global setup: a real nats-server with JetStream; tests read inject('natsUrl').
import type { TestProject } from 'vitest/node';
import { startNats } from '../infra/nats.ts';
import { withTempDir } from './infra.ts';
import './provided.ts';

export default async function setup(project: TestProject) {
  const { instance, teardown } = await withTempDir(project, 'nats', (dir) => startNats({ dir }));
  project.provide('natsUrl', instance.url);
  project.provide('natsMonitorUrl', instance.monitorUrl);
  project.provide('natsVersion', instance.version);
  return teardown;
}
