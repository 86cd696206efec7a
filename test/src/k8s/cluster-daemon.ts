// The background process behind `npm run cluster:up`: runs the control plane until SIGTERM, and
// publishes its state (pid, kubeconfig) in <dir>/state.json only once everything is ready.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.ts';
import type { ClusterState } from './cluster-cli.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: cluster-daemon <dir>');
const started = performance.now();
const controlPlane = await startControlPlane({ dir, nodes: 1 });
const state: ClusterState = {
  pid: process.pid,
  kubeconfig: controlPlane.kubeconfigPath,
  server: controlPlane.server,
  kubectl: controlPlane.tools.kubectl,
  readyAfterMs: Math.round(performance.now() - started),
};
await writeFile(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
process.stdout.write(`control plane ready: ${controlPlane.server}\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await rm(join(dir, 'state.json'), { force: true });
      await controlPlane.stop();
      process.stdout.write('control plane stopped\n');
      process.exit(0);
    })();
  });
}
// Keep the event loop alive: the children are detached process groups.
setInterval(() => {
  const dead = controlPlane.processes.find((component) => !component.running);
  if (dead && !stopping) {
    process.stderr.write(`${dead.name} exited unexpectedly; stopping the control plane\n${dead.logTail()}\n`);
    process.kill(process.pid, 'SIGTERM');
  }
}, 1000);
