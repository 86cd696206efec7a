// `npm run images`: the OCI images the chart names (operator, POS API, worker, portal), built without
// a Docker engine. Two layers shared by all four: the runtime (the repository's pinned Node binary,
// the C and C++ runtime libraries it links from Debian's own packages, /etc/passwd with the
// non-root user, /tmp) and the app (/app: the services' sources, the built till and portal, and
// production node_modules). Each image differs only in its config: entrypoint, command, labels.
// crane (go-containerregistry) assembles them through its throw-away registry on loopback and
// writes one OCI image layout per image; `crane push <layout> <ref>` publishes one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  ActionableError,
  CLIENT_NODE,
  CLIENT_NODE_BUNDLER,
  ManagedProcess,
  bundleClientNode,
  clientNodeImports,
  compileTypeScriptTree,
  ensureCrane,
  freePort,
  isModule,
  locateCrane,
  locatePgClientTools,
  moduleFiles,
  reportFatal,
  trackedSources,
} from '@cloudpos/harness';
import { buildPortal } from '@cloudpos/portal/build';
import { buildTill } from '@cloudpos/till/build';
import ts from 'typescript';

const execFileAsync = promisify(execFile);

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

/** The non-root user every image runs as (the chart's pods use the same UID). */
export const IMAGE_USER = { uid: 65532, gid: 65532, name: 'nonroot' } as const;

/**
 * The images and the file each one starts (under /app, with telemetry loaded first): the
 * JavaScript compiled from these sources (compile.ts), so no image runs Node's type stripper.
 */
export const IMAGES = {
  operator: 'operator/src/main.js',
  'pos-api': 'services/pos-api/src/server.js',
  worker: 'services/worker/src/main.js',
  portal: 'portal/src/server.js',
} as const;
export type ImageName = keyof typeof IMAGES;

/** Workspaces the four services load at run time; the till, the harness and local mode stay out. */
const APP_WORKSPACES = [
  'services/pos-api',
  'services/worker',
  'services/telemetry',
  'services/tenant-db',
  'services/pricing',
  'services/receipts',
  'operator',
  'portal',
];
/** Built output that git does not track but the services serve. */
const BUILT = ['services/till/dist', 'portal/build'];
/**
 * Debian packages with the shared libraries the Node binary links (see `ldd node`), and jemalloc,
 * which the chart preloads into the operator (`operator.mallocPreload`; it links only these).
 */
const RUNTIME_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'libjemalloc2'];
/** What pg_dump 18 links besides the C runtime (see `ldd pg_dump`). */
const PG_CLIENT_PACKAGES = [
  'libzstd1',
  'liblz4-1',
  'libssl3',
  'zlib1g',
  'libgssapi-krb5-2',
  'libkrb5-3',
  'libk5crypto3',
  'libcom-err2',
  'libkrb5support0',
  'libkeyutils1',
];
const PG_CLIENT_DIR = 'opt/postgresql';
const ENTRYPOINT = ['/usr/local/bin/node', '--import', './services/telemetry/src/register.js'];

export interface BuiltImage {
  name: ImageName;
  /** The OCI image layout of this image alone (`crane push <layout> <ref>`). */
  layout: string;
  digest: string;
}

export interface BuildOptions {
  /** Where the OCI layouts go: <outDir>/<image>. */
  outDir: string;
  /** Where staging trees and layer tarballs are kept between builds. */
  workDir: string;
  log?: (line: string) => void;
}

export async function buildImages(options: BuildOptions): Promise<BuiltImage[]> {
  const log = options.log ?? (() => {});
  await ensureCrane(log);
  const crane = (await locateCrane()).path;
  const version = await chartAppVersion();
  const git = async (...args: string[]) =>
    (await execFileAsync('git', args, { cwd: repoRoot }).catch(() => ({ stdout: '' }))).stdout.trim();
  const revision = await git('rev-parse', 'HEAD');
  const source =
    process.env.IMAGE_SOURCE ||
    (await git('remote', 'get-url', 'origin')) ||
    'local checkout (set IMAGE_SOURCE)';
  await mkdir(options.workDir, { recursive: true });

  log('building the till and the portal (when their sources changed)');
  await buildTill();
  await buildPortal();
  const runtime = await runtimeLayer(options.workDir, log);
  const app = await appLayer(options.workDir, log);
  const pgClient = await pgClientLayer(options.workDir, log);

  const registry = await startRegistry(crane, options.workDir);
  try {
    const base = `${registry.host}/cloudpos/base:build`;
    const run = (args: string[]) =>
      execFileAsync(crane, ['--insecure', ...args], { maxBuffer: 16 * 1024 * 1024 });
    await run(['append', '--oci-empty-base', '-f', runtime, '-f', app, '-t', base]);
    // The operator's own base: pg_dump and pg_restore on top of the shared layers.
    const operatorBase = `${registry.host}/cloudpos/operator-base:build`;
    await run(['append', '-b', base, '-f', pgClient, '-t', operatorBase]);
    const built: BuiltImage[] = [];
    for (const [name, start] of Object.entries(IMAGES) as [ImageName, string][]) {
      const ref = `${registry.host}/cloudpos/${name}:${version}`;
      const path = [
        '/usr/local/bin',
        ...(name === 'operator' ? [`/${PG_CLIENT_DIR}/bin`] : []),
        '/usr/bin',
        '/bin',
      ];
      await run([
        'mutate',
        name === 'operator' ? operatorBase : base,
        '--set-platform',
        'linux/amd64',
        '--entrypoint',
        ENTRYPOINT.join(','),
        '--cmd',
        start,
        '--workdir',
        '/app',
        '--user',
        `${IMAGE_USER.uid}:${IMAGE_USER.gid}`,
        '--env',
        `PATH=${path.join(':')}`,
        '--env',
        'NODE_ENV=production',
        ...labels({
          'org.opencontainers.image.title': `cloudpos-${name}`,
          'org.opencontainers.image.source': source,
          'org.opencontainers.image.revision': revision,
          'org.opencontainers.image.version': version,
          'org.opencontainers.image.licenses': 'UNLICENSED',
        }),
        '-t',
        ref,
      ]);
      const layout = join(options.outDir, name);
      await rm(layout, { recursive: true, force: true });
      await mkdir(options.outDir, { recursive: true });
      await run(['pull', '--format', 'oci', ref, layout]);
      const digest = (await run(['digest', ref])).stdout.trim();
      built.push({ name, layout, digest });
      log(`${name}: ${digest} in ${relative(process.cwd(), layout) || layout}`);
    }
    return built;
  } finally {
    await registry.stop();
  }
}

function labels(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
}

async function chartAppVersion(): Promise<string> {
  const chart = await readFile(join(repoRoot, 'charts', 'cloudpos', 'Chart.yaml'), 'utf8');
  const version = /^appVersion:\s*['"]?([^'"\s]+)['"]?/m.exec(chart)?.[1];
  if (!version) throw new Error('charts/cloudpos/Chart.yaml has no appVersion');
  return version;
}

/**
 * A tar.gz of a directory that is the same bytes for the same files: sorted names, no times,
 * owners or modes of the machine that built it (root owns everything, others may read).
 */
async function reproducibleTarGz(dir: string, target: string, writableDirs: string[] = []): Promise<string> {
  await execFileAsync('chmod', ['-R', 'u+rwX,go+rX,go-w', dir]);
  for (const writable of writableDirs) await chmod(join(dir, writable), 0o1777);
  await execFileAsync(
    'sh',
    [
      '-c',
      'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix ' +
        '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$1" -cf - . | gzip -n -6 > "$2"',
      'tar',
      dir,
      target,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return target;
}

/** Node, the libraries it links (from Debian's packages, unpacked), the user, /tmp. */
async function runtimeLayer(workDir: string, log: (line: string) => void): Promise<string> {
  // The `node` dev dependency's binary: the Node 24 the repository pins (ADR 0003).
  const nodeBinary = join(repoRoot, 'node_modules', 'node', 'bin', 'node');
  const { stdout: nodeVersion } = await execFileAsync(nodeBinary, ['--version']);
  return debianLayer(
    workDir,
    'runtime',
    RUNTIME_PACKAGES,
    `Node ${nodeVersion.trim()}`,
    log,
    async (root) => {
      await mkdir(join(root, 'usr/local/bin'), { recursive: true });
      await cp(nodeBinary, join(root, 'usr/local/bin/node'));
      await mkdir(join(root, 'etc'), { recursive: true });
      const { uid, gid, name } = IMAGE_USER;
      await writeFile(
        join(root, 'etc/passwd'),
        `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${gid}:${name}:/tmp:/sbin/nologin\n`,
      );
      await writeFile(join(root, 'etc/group'), `root:x:0:\n${name}:x:${gid}:\n`);
      await mkdir(join(root, 'tmp'), { recursive: true });
      return ['tmp'];
    },
  );
}

/**
 * The operator's BackupThenDelete: pg_dump and pg_restore of the server's major (the relocatable
 * build ensure-tools caches) in /opt/postgresql, with the Debian libraries they link.
 */
async function pgClientLayer(workDir: string, log: (line: string) => void): Promise<string> {
  const tools = await locatePgClientTools();
  const { stdout: version } = await execFileAsync(tools.pgDump, ['--version']);
  return debianLayer(workDir, 'pg-client', PG_CLIENT_PACKAGES, version.trim(), log, async (root) => {
    const opt = join(root, PG_CLIENT_DIR);
    const build = resolve(tools.pgDump, '..', '..');
    await mkdir(join(opt, 'bin'), { recursive: true });
    await cp(tools.pgDump, join(opt, 'bin', 'pg_dump'));
    await cp(tools.pgRestore, join(opt, 'bin', 'pg_restore'));
    // Their rpath is $ORIGIN/../lib: libpq is all they need from the build.
    await cp(join(build, 'lib'), join(opt, 'lib'), {
      recursive: true,
      filter: (source) => source === join(build, 'lib') || /\/libpq\.so/.test(source),
    });
    return [];
  });
}

/**
 * `package=version` of each package as apt would install it now (the archive's current version,
 * security fixes included): the versions a layer is built from, and its cache key.
 */
async function debianCandidates(packages: string[]): Promise<string> {
  const { stdout } = await execFileAsync('apt-cache', ['policy', ...packages]);
  const pinned = [...stdout.matchAll(/^(\S+):\n\s+Installed: .*\n\s+Candidate: (\S+)/gm)].map(
    ([, name, candidate]) => `${name}=${candidate}`,
  );
  if (pinned.length !== packages.length || pinned.some((line) => line.endsWith('=(none)'))) {
    throw new ActionableError(
      `apt knows no version of some of ${packages.join(', ')}.`,
      'run apt-get update (as root), then npm run images again',
    );
  }
  return pinned.join('\n');
}

/**
 * A layer of Debian packages (the versions this machine has, unpacked as a distroless image has
 * them) plus files `add` puts in; cached by what went in. `add` returns folders anyone may write.
 */
async function debianLayer(
  workDir: string,
  name: string,
  packages: string[],
  what: string,
  log: (line: string) => void,
  add: (root: string) => Promise<string[]>,
): Promise<string> {
  let versions = await debianCandidates(packages);
  const targetFor = (pinned: string) =>
    join(workDir, `${name}-${hash(`${what}${pinned}${IMAGE_USER.uid}v2`)}.tar.gz`);
  if (await exists(targetFor(versions))) return targetFor(versions);
  const root = join(workDir, `${name}-root`);
  const debs = join(workDir, `${name}-debs`);
  await rm(root, { recursive: true, force: true });
  await rm(debs, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  const download = (pinned: string) =>
    execFileAsync('apt-get', ['download', ...pinned.split('\n')], { cwd: debs, maxBuffer: 16 * 1024 * 1024 });
  await download(versions).catch(async (error: unknown) => {
    // Package lists older than the archive (or none yet): refresh them once, as root, and retry.
    if (process.getuid?.() !== 0) {
      throw new ActionableError(
        `apt-get could not download ${versions.split('\n').join(' ')}: ${(error as Error).message.split('\n')[0]}`,
        'run apt-get update as root, then npm run images again',
      );
    }
    log('apt-get update (the package lists are older than the archive)');
    await execFileAsync('apt-get', ['update'], { maxBuffer: 64 * 1024 * 1024 });
    versions = await debianCandidates(packages);
    await download(versions);
  });
  const target = targetFor(versions);
  log(`${name} layer: ${what} and ${versions.split('\n').join(', ')}`);
  for (const deb of (await execFileAsync('sh', ['-c', 'ls *.deb'], { cwd: debs })).stdout
    .trim()
    .split('\n')) {
    await execFileAsync('dpkg-deb', ['-x', join(debs, deb), root]);
  }
  // Documentation, locales and maintainer files are not needed to run.
  for (const dir of ['usr/share', 'etc/ld.so.conf.d', 'usr/lib/x86_64-linux-gnu/gconv']) {
    await rm(join(root, dir), { recursive: true, force: true });
  }
  const writable = await add(root);
  await reproducibleTarGz(root, target, writable);
  await pruneOlder(workDir, name, target);
  await rm(root, { recursive: true, force: true });
  await rm(debs, { recursive: true, force: true });
  return target;
}

/** How the production node_modules are installed (part of their cache key). */
const INSTALL_FLAGS = [
  '--omit=dev',
  '--omit=optional',
  '--ignore-scripts',
  '--no-audit',
  '--no-fund',
  '--prefer-offline',
  '--no-save',
];

/**
 * /app: the app workspaces (tests left out) compiled to JavaScript, the built till and portal,
 * production node_modules, with @kubernetes/client-node bundled to the names the app imports.
 */
async function appLayer(workDir: string, log: (line: string) => void): Promise<string> {
  const stage = join(workDir, 'app-root');
  const app = join(stage, 'app');
  const files = await trackedSources(repoRoot, APP_WORKSPACES);
  const manifest = await productionManifest();
  const lock = await readFile(join(repoRoot, 'package-lock.json'), 'utf8');
  const modulesKey = hash(JSON.stringify([manifest, INSTALL_FLAGS]) + lock + (await workspaceManifests()));

  // Production node_modules, installed once per lock file into a folder kept between builds.
  // The root's node_modules and each workspace's own (versions that differ from the root's).
  const modules = join(workDir, `modules-${modulesKey}`);
  if (!(await exists(modules))) {
    // Optional packages too are left out: what the lock file marks optional here is Vite and its
    // bundlers, TypeScript and PostCSS (optional peers of the portal's Fastify adapter, built
    // before the image), their native bindings, and pg-cloudflare (for Cloudflare Workers).
    log('installing production node_modules (npm install --omit=dev --omit=optional, from the lock file)');
    const install = join(workDir, 'npm-install');
    await rm(install, { recursive: true, force: true });
    await mkdir(install, { recursive: true });
    await writeFile(join(install, 'package.json'), JSON.stringify(manifest, null, 2));
    await writeFile(join(install, 'package-lock.json'), lock);
    for (const workspace of APP_WORKSPACES) {
      await mkdir(join(install, workspace), { recursive: true });
      await cp(join(repoRoot, workspace, 'package.json'), join(install, workspace, 'package.json'));
    }
    await execFileAsync('npm', ['install', ...INSTALL_FLAGS], { cwd: install, maxBuffer: 64 * 1024 * 1024 });
    for (const dir of ['.', ...APP_WORKSPACES]) {
      const installed = join(install, dir, 'node_modules');
      if (await exists(installed))
        await cp(installed, join(modules, dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
    await rm(install, { recursive: true, force: true });
    await pruneOlder(workDir, 'modules', modules);
  }

  // The layer is rebuilt only when a file in it changed: its name says what it holds.
  // How the sources become JavaScript is part of what the layer holds: the compiler's version and
  // our own compile step, so a change to either builds the layer again.
  const content = createHash('sha256')
    .update(modulesKey)
    .update(`typescript ${ts.version}`)
    .update(compileTypeScriptTree.toString());
  for (const file of files) content.update(file).update(await readFile(join(repoRoot, file)));
  for (const dir of BUILT) content.update(await treeHash(join(repoRoot, dir)));
  // @kubernetes/client-node is a bundle of the names the app's modules import (the same names from
  // the sources as from their JavaScript), made by this bundler: the name says which.
  const clientNodeNames = await clientNodeImports([
    ...files.filter(isModule).map((file) => join(repoRoot, file)),
    ...(await Promise.all(BUILT.map((dir) => moduleFiles(join(repoRoot, dir))))).flat(),
  ]);
  content.update(`${CLIENT_NODE} bundled by ${CLIENT_NODE_BUNDLER}: ${clientNodeNames.join(',')}`);
  const target = join(workDir, `app-${content.digest('hex').slice(0, 16)}.tar.gz`);
  if (await exists(target)) return target;

  log(`app layer: ${files.length} source files, ${BUILT.join(' and ')}, production node_modules`);
  await rm(stage, { recursive: true, force: true });
  await mkdir(app, { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  for (const file of files) await cp(join(repoRoot, file), join(app, file), { recursive: true });
  log(`app layer: ${await compileTypeScriptTree(app)} TypeScript modules compiled to JavaScript`);
  for (const dir of BUILT) {
    await cp(join(repoRoot, dir), join(app, dir), {
      recursive: true,
      filter: (source) => !source.endsWith('.source-hash'),
    });
  }
  await cp(modules, app, { recursive: true, verbatimSymlinks: true });
  // Importing the whole package costs the operator and the portal some 75–95 MB (ADR 0025).
  const bundle = await bundleClientNode(app);
  if ((bundle?.names ?? []).join() !== clientNodeNames.join())
    throw new Error(
      `the app's JavaScript imports ${bundle?.names.join(', ')} from ${CLIENT_NODE}, its sources ${clientNodeNames.join(', ')}`,
    );
  if (bundle)
    log(
      `app layer: ${CLIENT_NODE} bundled to the ${bundle.names.length} names the app imports (${(bundle.bytes / 1e6).toFixed(1)} MB)`,
    );
  await reproducibleTarGz(stage, target);
  await rm(stage, { recursive: true, force: true });
  await pruneOlder(workDir, 'app', target);
  return target;
}

/** The root package.json as the image needs it: the app workspaces only, no scripts. */
async function productionManifest(): Promise<Record<string, unknown>> {
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  return {
    name: root.name,
    private: true,
    type: 'module',
    engines: root.engines,
    workspaces: APP_WORKSPACES,
  };
}

async function workspaceManifests(): Promise<string> {
  let all = '';
  for (const workspace of APP_WORKSPACES)
    all += await readFile(join(repoRoot, workspace, 'package.json'), 'utf8');
  return all;
}

/** Names and contents of every file under a folder (the built till and portal). */
async function treeHash(dir: string): Promise<string> {
  const { stdout } = await execFileAsync(
    'sh',
    ['-c', 'find . -type f ! -name .source-hash -print0 | sort -z | xargs -0 sha256sum'],
    { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** Removes the older builds of one cached thing (`<prefix>-<key>`), keeping `current`. */
async function pruneOlder(workDir: string, prefix: string, current: string): Promise<void> {
  for (const entry of await readdir(workDir)) {
    if (
      entry.startsWith(`${prefix}-`) &&
      join(workDir, entry) !== current &&
      !entry.endsWith('-root') &&
      !entry.endsWith('-debs')
    )
      await rm(join(workDir, entry), { recursive: true, force: true });
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** crane's own registry, in memory on loopback, for the length of one build. */
export async function startRegistry(
  crane: string,
  workDir: string,
): Promise<{ host: string; stop(): Promise<void> }> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const registry = new ManagedProcess({
    name: 'crane registry',
    command: crane,
    args: ['registry', 'serve', '--address', host],
    logFile: join(workDir, 'registry.log'),
  });
  try {
    await registry.waitUntilReady(async () => (await fetch(`http://${host}/v2/`)).ok);
  } catch (error) {
    await registry.stop('SIGKILL');
    throw new ActionableError(
      `crane's registry did not start: ${(error as Error).message}`,
      `read ${registry.logFile}`,
    );
  }
  return { host, stop: async () => void (await registry.stop('SIGTERM')) };
}

if (import.meta.main) {
  const started = performance.now();
  try {
    const outDir = join(repoRoot, '.cloudpos', 'images');
    const images = await buildImages({
      outDir,
      workDir: join(repoRoot, '.cloudpos', 'image-build'),
      log: (line) => process.stdout.write(`images: ${line}\n`),
    });
    process.stdout.write(
      `images: ${images.length} OCI image layouts in ${outDir} (${((performance.now() - started) / 1000).toFixed(0)} s); push one with\n` +
        `  crane push ${join(outDir, 'pos-api')} <registry>/cloudpos/pos-api:<tag>\n`,
    );
  } catch (error) {
    reportFatal(error);
  }
}
