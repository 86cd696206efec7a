import { rolldown } from 'rolldown';
import fs from 'node:fs';
const names = (process.env.NAMES ?? 'ApiException,AppsV1Api,CoordinationV1Api,CoreV1Api,CustomObjectsApi,HttpMethod,IsomorphicFetchHttpLibrary,KubeConfig,KubernetesObjectApi,PatchStrategy,RequestContext,makeInformer,setHeaderOptions').split(',');
const keep = (process.env.KEEP ?? '').split(',').filter(Boolean);
const b = await rolldown({ input: 'entry', cwd: '/work/main', platform: 'node',
  treeshake: process.env.MODELS ? true : { moduleSideEffects: (id) => !/client-node\/dist\/gen\/models\//.test(id) },
  external: (id) => !/^[./\0]/.test(id) && id !== '@kubernetes/client-node' && !id.startsWith('@kubernetes/client-node/'),
  plugins: [{ name: 'e', resolveId: (id) => id === 'entry' ? id : undefined, load: (id) => id === 'entry' ? `export { ${names.join(',')} } from '@kubernetes/client-node';` : undefined,
    transform(code, id) { if (!process.env.MODELS && id.endsWith('gen/models/ObjectSerializer.js')) { return code.replace(/let typeMap = \{[\s\S]*?\n\};/, 'let typeMap = {' + keep.map((k) => `"${k}": ${k}`).join(',') + '};'); } } }] });
const { output } = await b.generate({ format: 'esm' });
fs.writeFileSync(process.env.OUT, output[0].code);
console.log(output[0].code.length);
