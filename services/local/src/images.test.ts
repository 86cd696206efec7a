// The images `npm run images` builds: each one's config (non-root user, entrypoint, labels), one
// shared set of layers, the services there as JavaScript (each command loads with no type stripper),
// and the POS API image's entrypoint starting the service from its unpacked
// layers against a real PostgreSQL and Redis.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  CLIENT_NODE,
  ManagedProcess,
  clientNodeImports,
  freePort,
  locateCrane,
  generatePassword,
  moduleFiles,
  startPostgres,
  startRedis,
} from '@cloudpos/harness';
import { TENANT_ENTRY_POINTS } from '@cloudpos/operator/config';
import { newPinPepper } from '@cloudpos/pos-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGES, IMAGE_USER, buildImages, startRegistry, type BuiltImage, type ImageName } from './images.ts';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

interface Descriptor {
  digest: string;
  mediaType: string;
}
interface ImageConfig {
  os: string;
  architecture: string;
  config: {
    User: string;
    Entrypoint: string[];
    Cmd: string[];
    WorkingDir: string;
    Env: string[];
    Labels: Record<string, string>;
  };
}

const blob = async <T>(layout: string, { digest }: { digest: string }): Promise<T> =>
  JSON.parse(await readFile(join(layout, 'blobs', ...digest.split(':')), 'utf8')) as T;

async function readImage(layout: string) {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  expect(index.manifests).toHaveLength(1);
  const manifest = await blob<{ config: Descriptor; layers: Descriptor[] }>(layout, index.manifests[0]!);
  return { manifest, config: await blob<ImageConfig>(layout, manifest.config) };
}

/** Unpacks an image's layers in order into `root` (our layers delete nothing: no whiteouts). */
async function unpack(layout: string, layers: Descriptor[], root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const layer of layers) {
    await execFileAsync('tar', ['-xzf', join(layout, 'blobs', ...layer.digest.split(':')), '-C', root]);
  }
}

/** A binary of the unpacked image run by the image's own dynamic loader and libraries, no chroot. */
function onImageLibraries(root: string, binary: string, args: string[]): [string, string[]] {
  const libraries = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'].map((dir) => join(root, dir));
  return [
    join(root, 'lib64', 'ld-linux-x86-64.so.2'),
    ['--library-path', libraries.join(':'), join(root, binary), ...args],
  ];
}

let work: string;
let built: BuiltImage[];
let buildSeconds: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cloudpos-images-'));
  // PostgreSQL's OS user and the image's user read below it.
  await chmod(work, 0o755);
  const started = performance.now();
  // The staging folder is shared with `npm run images`: unchanged layers are not built again.
  built = await buildImages({
    outDir: join(work, 'oci'),
    workDir: join(repoRoot, '.cloudpos', 'image-build'),
  });
  buildSeconds = (performance.now() - started) / 1000;
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm run images', () => {
  it('builds the four images with a non-root user, their entrypoint and OCI labels, on shared layers', async () => {
    expect(built.map((image) => image.name).sort()).toEqual(Object.keys(IMAGES).sort());
    const { stdout: revision } = await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot });
    const layersOf = new Map<ImageName, string>();
    for (const image of built) {
      const { manifest, config } = await readImage(image.layout);
      expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
      expect(config).toMatchObject({ os: 'linux', architecture: 'amd64' });
      expect(config.config.User).toBe(`${IMAGE_USER.uid}:${IMAGE_USER.gid}`);
      expect(config.config.WorkingDir).toBe('/app');
      expect([...config.config.Entrypoint, ...config.config.Cmd]).toEqual([
        '/usr/local/bin/node',
        '--import',
        './services/telemetry/src/register.js',
        IMAGES[image.name],
      ]);
      expect(config.config.Labels).toMatchObject({
        'org.opencontainers.image.title': `cloudpos-${image.name}`,
        'org.opencontainers.image.revision': revision.trim(),
        'org.opencontainers.image.version': '0.1.0',
      });
      expect(config.config.Labels['org.opencontainers.image.source']).toBeTruthy();
      layersOf.set(image.name, manifest.layers.map((layer) => layer.digest).join(','));
    }
    // One runtime layer and one app layer, the same in all four (a registry stores them once); the
    // operator adds pg_dump and pg_restore for BackupThenDelete.
    const shared = layersOf.get('pos-api')!;
    expect(shared.split(',')).toHaveLength(2);
    expect([layersOf.get('worker'), layersOf.get('portal')]).toEqual([shared, shared]);
    expect(layersOf.get('operator')!.startsWith(`${shared},`)).toBe(true);
    expect(layersOf.get('operator')!.split(',')).toHaveLength(3);
    const sizes = await Promise.all(
      (await readImage(built[0]!.layout)).manifest.layers.map(async (layer) => {
        const { stdout } = await execFileAsync('du', [
          '-m',
          join(built[0]!.layout, 'blobs', ...layer.digest.split(':')),
        ]);
        return Number(stdout.split('\t')[0]);
      }),
    );
    process.stdout.write(
      `images: built in ${buildSeconds.toFixed(0)} s; layers ${sizes.join(' MB, ')} MB (gzip)\n`,
    );
  });

  it('builds the same digests again from the same sources', async () => {
    const again = await buildImages({
      outDir: join(work, 'again'),
      workDir: join(repoRoot, '.cloudpos', 'image-build'),
    });
    expect(again.map((image) => image.digest)).toEqual(built.map((image) => image.digest));
  }, 600_000);

  it('pushes with crane push <layout> <ref>, as the chart README says, keeping the digest', async () => {
    const crane = (await locateCrane()).path;
    const registry = await startRegistry(crane, work);
    try {
      for (const image of built) {
        const ref = `${registry.host}/cloudpos/${image.name}:0.1.0`;
        await execFileAsync(crane, ['--insecure', 'push', image.layout, ref]);
        const { stdout } = await execFileAsync(crane, ['--insecure', 'digest', ref]);
        expect(stdout.trim()).toBe(image.digest);
      }
    } finally {
      await registry.stop();
    }
  });

  it('holds the services as JavaScript: each command loads its modules with no type stripper', async () => {
    // The commands the operator gives tenants' containers are the images' own.
    expect(TENANT_ENTRY_POINTS).toEqual({ 'pos-api': IMAGES['pos-api'], worker: IMAGES.worker });
    const operator = built.find((image) => image.name === 'operator')!;
    const { manifest } = await readImage(operator.layout);
    const root = join(work, 'js-rootfs');
    await unpack(operator.layout, manifest.layers, root);
    for (const image of built) {
      const { config } = await readImage(image.layout);
      const [entry, ...args] = [...config.config.Entrypoint, ...config.config.Cmd];
      const [command, loaderArgs] = onImageLibraries(root, entry!, args);
      // With no configuration each service stops on its first missing setting, after its modules
      // loaded (or, given defaults, keeps running: stopped after 15 s). A `.ts` module, or one the
      // image lacks, fails the import instead.
      const output = await new Promise<string>((done) => {
        let text = '';
        const child = spawn(command, loaderArgs, {
          cwd: join(root, config.config.WorkingDir),
          env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: '--no-experimental-strip-types', PORT: '0' },
        });
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.on('close', () => {
          clearTimeout(timer);
          done(text);
        });
      });
      expect(output, image.name).not.toMatch(
        /ERR_UNKNOWN_FILE_EXTENSION|ERR_MODULE_NOT_FOUND|ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING|SyntaxError/,
      );
    }
    const { stdout: leftovers } = await execFileAsync('find', [
      join(root, 'app'),
      '-path',
      '*/node_modules',
      '-prune',
      '-o',
      '-name',
      '*.ts',
      '-not',
      '-name',
      '*.d.ts',
      '-print',
    ]);
    expect(leftovers.trim()).toBe('');

    // @kubernetes/client-node is one module of the names the app's JavaScript imports from it, which
    // the image's Node loads with its dependencies from the image's node_modules.
    const names = await clientNodeImports(await moduleFiles(join(root, 'app')));
    expect(names).toEqual(expect.arrayContaining(['KubeConfig', 'CustomObjectsApi', 'Watch']));
    const clientNode = join(root, 'app', 'node_modules', CLIENT_NODE);
    expect(
      (
        JSON.parse(await readFile(join(clientNode, 'package.json'), 'utf8')) as {
          cloudpos: { bundled: string[] };
        }
      ).cloudpos.bundled,
    ).toEqual(names);
    expect(await readdir(clientNode)).not.toContain('dist');
    const [node, nodeArgs] = onImageLibraries(root, '/usr/local/bin/node', [
      '--input-type=module',
      '--eval',
      `const m = await import('${CLIENT_NODE}');` +
        `console.log(JSON.stringify(${JSON.stringify(names)}.filter((name) => m[name] !== undefined)));`,
    ]);
    const { stdout: defined } = await execFileAsync(node, nodeArgs, { cwd: join(root, 'app') });
    expect(JSON.parse(defined)).toEqual(names);
  }, 120_000);

  it("runs the operator image's pg_dump and pg_restore (for BackupThenDelete) from its unpacked layers", async () => {
    const operator = built.find((image) => image.name === 'operator')!;
    const { manifest, config } = await readImage(operator.layout);
    const root = join(work, 'operator-rootfs');
    // The runtime layer (loader, libraries) and the operator's own; the app layer is not needed here.
    const [runtime, , pgClient] = manifest.layers;
    await unpack(operator.layout, [runtime!, pgClient!], root);
    const path = config.config.Env.find((line) => line.startsWith('PATH='))!.slice('PATH='.length);
    expect(path.split(':')).toContain('/opt/postgresql/bin');
    for (const tool of ['pg_dump', 'pg_restore']) {
      const [command, args] = onImageLibraries(root, `/opt/postgresql/bin/${tool}`, ['--version']);
      const { stdout } = await execFileAsync(command, args);
      expect(stdout).toMatch(new RegExp(`^${tool} \\(PostgreSQL\\) 18\\.`));
    }
  });

  it("preloads the chart's allocator (jemalloc, with its MALLOC_CONF) into Node from the operator image's own libraries", async () => {
    const values = parse(await readFile(join(repoRoot, 'charts', 'cloudpos', 'values.yaml'), 'utf8')) as {
      operator: { mallocPreload: string; mallocConf: string };
    };
    const operator = built.find((image) => image.name === 'operator')!;
    const { manifest } = await readImage(operator.layout);
    const root = join(work, 'operator-allocator-rootfs');
    await unpack(operator.layout, [manifest.layers[0]!], root);
    const [command, args] = onImageLibraries(root, '/usr/local/bin/node', [
      '--eval',
      "console.log(require('node:fs').readFileSync('/proc/self/maps', 'utf8').includes('libjemalloc.so.2'))",
    ]);
    const { stdout, stderr } = await execFileAsync(command, args, {
      env: { LD_PRELOAD: join(root, values.operator.mallocPreload), MALLOC_CONF: values.operator.mallocConf },
    });
    expect(stdout.trim()).toBe('true');
    // jemalloc writes "<jemalloc>: Invalid conf pair" (and goes on) for a setting it does not know.
    expect(stderr).toBe('');
  });

  it("starts the POS API from the image's unpacked layers, as its non-root user, on the image's own libraries", async () => {
    const posApi = built.find((image) => image.name === ('pos-api' satisfies ImageName))!;
    const { manifest, config } = await readImage(posApi.layout);
    const root = join(work, 'rootfs');
    await unpack(posApi.layout, manifest.layers, root);
    const postgres = await startPostgres({
      dir: join(work, 'postgres'),
      password: generatePassword(),
      durable: false,
    });
    const redis = await startRedis({ dir: join(work, 'redis'), durable: false });
    const port = await freePort();
    const [entry, ...args] = [...config.config.Entrypoint, ...config.config.Cmd];
    // The image's own dynamic loader and libraries run its Node binary; no chroot needed.
    const [command, loaderArgs] = onImageLibraries(root, entry!, args);
    const service = new ManagedProcess({
      name: 'pos-api image',
      command,
      args: loaderArgs,
      cwd: join(root, config.config.WorkingDir),
      ...(process.getuid?.() === 0 ? { uid: IMAGE_USER.uid, gid: IMAGE_USER.gid } : {}),
      env: {
        ...Object.fromEntries(
          config.config.Env.map((line): [string, string] => [
            line.split('=')[0]!,
            line.slice(line.indexOf('=') + 1),
          ]),
        ),
        HOST: '127.0.0.1',
        PORT: String(port),
        // No type stripper: the image holds JavaScript only, and a `.ts` module would not load.
        NODE_OPTIONS: '--no-experimental-strip-types',
        TENANT_MODE: 'pooled',
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        AUTH_SECRET: generatePassword() + generatePassword(),
        PIN_PEPPERS: newPinPepper('v1'),
      },
      logFile: join(work, 'pos-api.log'),
    });
    try {
      await service.waitUntilReady(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status, service.logTail()).toBe(200);
    } finally {
      await service.stop('SIGTERM');
      await redis.stop();
      await postgres.stop();
    }
  });
});
