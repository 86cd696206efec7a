// The images' JavaScript: a tree of TypeScript modules and a workspace package, compiled, runs on a
// Node with type stripping turned off, and gives what the sources give.
import { execFile } from 'node:child_process';
import { isBuiltin } from 'node:module';
import { lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleClientNode, CLIENT_NODE, clientNodeImports, moduleFiles } from './client-node.ts';
import { lazyPackageImports } from './lazy-imports.ts';
import { compileTypeScriptTree, renameEntryPoints, stageCompiled } from './compile.ts';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('compiling the app for the images', () => {
  it('turns modules and a workspace package into JavaScript that runs without a type stripper', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cloudpos-compile-'));
    dirs.push(root);
    await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    await mkdir(join(root, 'lib', 'src'), { recursive: true });
    await writeFile(
      join(root, 'lib', 'package.json'),
      JSON.stringify({
        name: 'lib',
        type: 'module',
        exports: { '.': './src/index.ts', './types': './src/x.d.ts' },
      }),
    );
    await writeFile(
      join(root, 'lib', 'src', 'index.ts'),
      "import type { Money } from './money.ts';\nexport const total = (amounts: Money[]): Money => amounts.reduce((a, b) => a + b, 0);\n",
    );
    await writeFile(join(root, 'lib', 'src', 'money.ts'), 'export type Money = number;\n');
    await mkdir(join(root, 'node_modules'), { recursive: true });
    await symlink('../lib', join(root, 'node_modules', 'lib'));
    await mkdir(join(root, 'app'), { recursive: true });
    await writeFile(
      join(root, 'app', 'main.ts'),
      [
        "import { total } from 'lib';",
        "const { twice } = await import('./twice.ts');",
        'class Till {',
        '  readonly sales: number[] = [];',
        '  add(amount: number): this {',
        '    this.sales.push(twice(amount));',
        '    return this;',
        '  }',
        '}',
        'console.log(total(new Till().add(150).add(200).sales satisfies number[]));',
      ].join('\n'),
    );
    await writeFile(
      join(root, 'app', 'twice.ts'),
      'export const twice = (amount: number): number => amount * 2;\n',
    );

    expect(await compileTypeScriptTree(root)).toBe(4);
    const files = (await readdir(root, { recursive: true })).filter(
      (file) => !file.startsWith('node_modules'),
    );
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(JSON.parse(await readFile(join(root, 'lib', 'package.json'), 'utf8'))).toMatchObject({
      exports: { '.': './src/index.js', './types': './src/x.d.ts' },
    });
    const { stdout } = await execFileAsync(process.execPath, [
      '--no-experimental-strip-types',
      join(root, 'app', 'main.js'),
    ]);
    expect(stdout.trim()).toBe('700');
  });

  it('names a module TypeScript cannot compile, and leaves entry points that are not TypeScript', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cloudpos-compile-'));
    dirs.push(root);
    await writeFile(join(root, 'broken.ts'), 'export const a = (;\n');
    await expect(compileTypeScriptTree(root)).rejects.toThrow(/broken\.ts: .*expected/);
    expect(renameEntryPoints({ main: './index.js', bin: { x: './cli.ts' }, name: 'a.ts' })).toEqual({
      main: './index.js',
      bin: { x: './cli.js' },
      name: 'a.ts',
    });
  });

  it('stages the operator as its image runs it, which loads its modules with no type stripper', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cloudpos-compile-'));
    dirs.push(root);
    await stageCompiled(repoRoot, root, 'operator');
    const staged = (await readdir(root)).sort();
    expect(staged).toEqual(['node_modules', 'operator', 'package.json', 'services']);
    expect((await readdir(join(root, 'services'))).sort()).toEqual(
      expect.arrayContaining(['telemetry', 'tenant-db']),
    );
    // Its modules load (the config is read after them): the process stops on the missing config.
    const failed = await execFileAsync(
      process.execPath,
      [
        '--no-experimental-strip-types',
        '--import',
        join(root, 'services/telemetry/src/register.js'),
        join(root, 'operator/src/main.js'),
      ],
      { env: { PATH: process.env.PATH, OTEL_TRACES_EXPORTER: 'none' }, timeout: 30_000 },
    ).then(
      () => undefined,
      (error: { stderr: string; stdout: string }) => `${error.stdout}${error.stderr}`,
    );
    expect(failed).toBeDefined();
    expect(failed).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|ERR_MODULE_NOT_FOUND|SyntaxError/);
    expect(failed).toContain('OPERATOR_CONFIG is not set');

    // Its client-node is the bundle of the names its modules import, and serves every one of them.
    const names = await clientNodeImports(await moduleFiles(root));
    expect(names).toEqual(
      expect.arrayContaining(['KubeConfig', 'KubernetesObjectApi', 'makeInformer', 'ApiException']),
    );
    // Not the generated APIs of every core and apps kind (ADR 0025): generic objects serve those reads.
    expect(names).not.toContain('CoreV1Api');
    expect(names).not.toContain('AppsV1Api');
    const bundle = join(root, 'node_modules', CLIENT_NODE);
    expect(
      (
        JSON.parse(await readFile(join(bundle, 'package.json'), 'utf8')) as {
          cloudpos: { bundled: string[] };
        }
      ).cloudpos.bundled,
    ).toEqual(names);
    expect((await readdir(bundle)).filter((file) => file.endsWith('.js'))).toEqual(['index.js']);
    expect(await exportedBy(join(bundle, 'index.js'), names)).toEqual(names);
    // The checkout's own package is untouched (the staged tree's packages are symlinks to it).
    const installed = JSON.parse(
      await readFile(join(repoRoot, 'node_modules', CLIENT_NODE, 'package.json'), 'utf8'),
    ) as { main: string; cloudpos?: unknown };
    expect(installed).toMatchObject({ main: 'dist/index.js' });
    expect(installed.cloudpos).toBeUndefined();
  });
});

/** The names among `names` a module exports as something defined, loaded by a process of its own. */
async function exportedBy(module: string, names: string[]): Promise<string[]> {
  const { stdout } = await execFileAsync(process.execPath, [
    '--input-type=module',
    '--eval',
    `const m = await import(${JSON.stringify(pathToFileURL(module).href)});` +
      `console.log(JSON.stringify(${JSON.stringify(names)}.filter((name) => m[name] !== undefined)));`,
  ]);
  return JSON.parse(stdout) as string[];
}

describe("loading a bundle's packages when first used", () => {
  it("turns each import of a package into a stand-in, keeps Node's and relative ones, drops side-effect ones", async () => {
    const { code, bindings, dropped } = lazyPackageImports(
      [
        "import fs from 'node:fs';",
        "import { URL as NodeURL } from 'url';",
        "import * as yaml from 'js-yaml';",
        "import { Agent, fetch as undiciFetch } from 'undici';",
        "import WebSocket from 'isomorphic-ws';",
        "import 'tar-fs';",
        "import { local } from './local.js';",
        'export const parse = (text) => yaml.load(text);',
        'export const agent = () => new Agent();',
        'export { fs, local, undiciFetch, WebSocket };',
      ].join('\n'),
    );
    expect([...bindings]).toEqual([
      ['js-yaml', ['*']],
      ['undici', ['Agent', 'fetch']],
      ['isomorphic-ws', ['default']],
    ]);
    expect(dropped).toEqual(['tar-fs']);
    expect(code).toContain("import fs from 'node:fs';");
    expect(code).toContain("import { URL as NodeURL } from 'url';");
    expect(code).toContain("import { local } from './local.js';");
    expect(code).toContain('const yaml = __lazyNamespace("js-yaml");');
    expect(code).toContain(
      'const Agent = __lazyBinding("undici", "Agent"), undiciFetch = __lazyBinding("undici", "fetch");',
    );
    expect(code).toContain('const WebSocket = __lazyBinding("isomorphic-ws", "default");');
    expect(code).not.toMatch(/from 'js-yaml'|from 'undici'|'tar-fs'/);

    // Run from the checkout: nothing is loaded until used, then it is what an import gives.
    const dir = await mkdtemp(join(repoRoot, 'test', '.lazy-imports-'));
    dirs.push(dir);
    await writeFile(join(dir, 'local.js'), 'export const local = 1;\n');
    await writeFile(join(dir, 'lazy.mjs'), code);
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--input-type=module',
        '--eval',
        `import { createRequire } from 'node:module';
const lazy = await import(${JSON.stringify(pathToFileURL(join(dir, 'lazy.mjs')).href)});
// undici is CommonJS: once required, it is in require's cache.
const undiciLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('/node_modules/undici/'));
const before = undiciLoaded();
const parsed = lazy.parse('a: 1');
const agent = lazy.agent();
const after = undiciLoaded();
const { Agent } = await import('undici');
console.log(JSON.stringify({ before, after, parsed, isAgent: agent instanceof Agent, ws: typeof lazy.WebSocket.OPEN }));`,
      ],
      { cwd: dir },
    );
    expect(JSON.parse(stdout)).toEqual({
      before: false,
      after: true,
      parsed: { a: 1 },
      isAgent: true,
      ws: 'number',
    });
  });
});

describe('bundling @kubernetes/client-node for a staged tree', () => {
  /** A tree whose node_modules/@kubernetes is a symlink to the checkout's, as stageCompiled makes it. */
  async function tree(modules: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'cloudpos-client-node-'));
    dirs.push(root);
    await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    await mkdir(join(root, 'node_modules'));
    await symlink(join(repoRoot, 'node_modules', '@kubernetes'), join(root, 'node_modules', '@kubernetes'));
    for (const [file, text] of Object.entries(modules)) {
      await mkdir(join(root, file, '..'), { recursive: true });
      await writeFile(join(root, file), text);
    }
    return root;
  }

  it('finds the names imported as values, and bundles exactly those without touching the checkout', async () => {
    const root = await tree({
      'a/main.ts': [
        "import type { V1Pod } from '@kubernetes/client-node';",
        "import { type V1Lease, KubeConfig, CoreV1Api as Core } from '@kubernetes/client-node';",
        "export { Watch } from '@kubernetes/client-node';",
        "export type { V1Secret } from '@kubernetes/client-node';",
      ].join('\n'),
      'b/other.js': "import { KubeConfig, ApiException } from '@kubernetes/client-node';\n",
      'b/types.d.ts': "import { V1Namespace } from '@kubernetes/client-node';\n",
    });
    const names = ['ApiException', 'CoreV1Api', 'KubeConfig', 'Watch'];
    expect(await clientNodeImports(await moduleFiles(root))).toEqual(names);
    // Its dependencies resolve from the staged tree's node_modules: the checkout's, here.
    for (const dependency of await readdir(join(repoRoot, 'node_modules'))) {
      if (dependency !== '@kubernetes')
        await symlink(join(repoRoot, 'node_modules', dependency), join(root, 'node_modules', dependency));
    }

    const bundle = await bundleClientNode(root);
    expect(bundle?.names).toEqual(names);
    // Small next to the package's 62 MB, and it runs: a client is made from it.
    expect(bundle!.bytes).toBeLessThan(10_000_000);
    const scope = join(root, 'node_modules', '@kubernetes');
    expect((await lstat(scope)).isSymbolicLink()).toBe(false);
    expect((await lstat(join(scope, 'client-node'))).isSymbolicLink()).toBe(false);
    expect(await realpath(join(scope, 'client-node', 'node_modules'))).toBe(
      await realpath(join(repoRoot, 'node_modules', CLIENT_NODE, 'node_modules')),
    );
    const bundled = join(scope, 'client-node', 'index.js');
    expect(await exportedBy(bundled, [...names, 'AppsV1Api'])).toEqual(names);
    // It imports only Node's modules; its packages load when first used: YAML for a kubeconfig.
    const imports = [...(await readFile(bundled, 'utf8')).matchAll(/^import .* from ['"]([^'"]+)['"];$/gm)];
    expect(imports.map((match) => match[1]).filter((specifier) => !isBuiltin(specifier!))).toEqual([]);
    const { stdout } = await execFileAsync(process.execPath, [
      '--input-type=module',
      '--eval',
      `const { KubeConfig } = await import(${JSON.stringify(pathToFileURL(bundled).href)});
const kc = new KubeConfig();
kc.loadFromString('apiVersion: v1\\nkind: Config\\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\\nusers: [{name: u, user: {token: t}}]\\ncontexts: [{name: x, context: {cluster: c, user: u}}]\\ncurrent-context: x\\n');
console.log(kc.getCurrentCluster().server);`,
    ]);
    expect(stdout.trim()).toBe('https://127.0.0.1:1');
    expect(
      JSON.parse(
        await readFile(join(repoRoot, 'node_modules', CLIENT_NODE, 'package.json'), 'utf8'),
      ) as object,
    ).toMatchObject({ main: 'dist/index.js' });
  });

  it('fails, naming it, on a name the package does not export or an import a bundle cannot serve', async () => {
    const missing = await tree({
      'main.js': "import { KubeConfig, NoSuchExport } from '@kubernetes/client-node';\n",
    });
    await expect(bundleClientNode(missing)).rejects.toThrow(
      /MISSING_EXPORT\] "NoSuchExport" is not exported/,
    );
    // Nothing was replaced.
    expect((await lstat(join(missing, 'node_modules', '@kubernetes'))).isSymbolicLink()).toBe(true);

    const namespace = await tree({ 'src/main.js': "\nimport * as k8s from '@kubernetes/client-node';\n" });
    await expect(bundleClientNode(namespace)).rejects.toThrow(/src\/main\.js:2: a namespace import/);
    const dynamic = await tree({ 'main.js': "const k8s = await import('@kubernetes/client-node');\n" });
    await expect(bundleClientNode(dynamic)).rejects.toThrow(/a dynamic import\(\)/);
    const deep = await tree({
      'main.js': "import { x } from '@kubernetes/client-node/dist/gen/index.js';\n",
    });
    await expect(bundleClientNode(deep)).rejects.toThrow(/a deep import/);
    // A tree that does not import it keeps the package as it is.
    expect(await bundleClientNode(await tree({ 'main.js': 'export {};\n' }))).toBeUndefined();
  });
});
