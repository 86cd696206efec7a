// vitest global setup: a real redis-server; tests read inject('redisUrl').
import type { TestProject } from 'vitest/node';
import { startRedis } from '../infra/redis.ts';
import { withTempDir } from './infra.ts';
import './provided.ts';

export default async function setup(project: TestProject) {
  const { instance, teardown } = await withTempDir(project, 'redis', (dir) =>
    startRedis({ dir, durable: false }),
  );
  project.provide('redisUrl', instance.url);
  project.provide('redisVersion', instance.version);
  return teardown;
}
