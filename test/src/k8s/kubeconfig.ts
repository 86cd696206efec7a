// kubeconfig files with embedded certificates (written as JSON, which is valid YAML).
import { readFile, writeFile } from 'node:fs/promises';

export interface KubeconfigInput {
  server: string;
  caFile: string;
  user: string;
  certFile: string;
  keyFile: string;
  clusterName?: string;
}

export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<string> {
  const b64 = async (file: string) => (await readFile(file)).toString('base64');
  const cluster = input.clusterName ?? 'cloudpos-test';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: { server: input.server, 'certificate-authority-data': await b64(input.caFile) },
      },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': await b64(input.certFile),
          'client-key-data': await b64(input.keyFile),
        },
      },
    ],
    contexts: [{ name: cluster, context: { cluster, user: input.user } }],
    'current-context': cluster,
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return path;
}
