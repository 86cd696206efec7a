// vitest global setup (opt-in): a real Kubernetes control plane with kwok nodes; tests read
// inject('kubeconfigPath') and the built tool paths (and the Prometheus Operator's CRDs, which
// tests install when they need them: the API server starts without them).
import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../k8s/control-plane.ts';
import { withTempDir } from './infra.ts';
import './provided.ts';

export default async function setup(project: TestProject) {
  const { instance, teardown } = await withTempDir(project, 'kubernetes', (dir) =>
    startControlPlane({ dir, nodes: 2 }),
  );
  project.provide('kubeconfigPath', instance.kubeconfigPath);
  project.provide('kubectlPath', instance.tools.kubectl);
  project.provide('helmPath', instance.tools.helm);
  project.provide('monitoringCrdsPath', instance.tools.monitoringCrds);
  project.provide('cnpgCrdsPath', instance.tools.cnpgCrds);
  project.provide('promtoolPath', instance.tools.promtool);
  return teardown;
}
