// The one way a workspace package declares its vitest project: a name, and which real
// dependencies its tests need (each started once per project by a global setup).
import { fileURLToPath } from 'node:url';
import { defineProject, type TestProjectInlineConfiguration } from 'vitest/config';

export type Infra = 'postgres' | 'nats' | 'nats-operator' | 'redis' | 'kubernetes';

const setupFile = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export function harnessProject(options: {
  name: string;
  root: string;
  infra?: Infra[];
  testTimeout?: number;
}): TestProjectInlineConfiguration {
  return defineProject({
    root: options.root,
    test: {
      name: options.name,
      root: options.root,
      include: ['src/**/*.test.ts'],
      environment: 'node',
      globalSetup: (options.infra ?? []).map((infra) => setupFile(`${infra}.setup.ts`)),
      setupFiles: [setupFile('console-guard.ts')],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
    },
  });
}
