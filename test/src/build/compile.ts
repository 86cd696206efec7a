// The images run JavaScript: a staged copy of the app workspaces has each TypeScript module turned
// into the JavaScript Node's type stripping would run (TypeScript's transpileModule, relative
// `.ts` imports rewritten to `.js`), and each package.json's entry points renamed to match. Node
// then never loads its type stripper: amaro's WebAssembly is about 18 MB of every process (the
// operator's, and each tenant's POS API and worker), and each module is not stripped at start.
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { bundleClientNode } from './client-node.ts';

const execFileAsync = promisify(execFile);

const OPTIONS: ts.CompilerOptions = {
  // What tsconfig.base.json says the sources are written for; erasableSyntaxOnly keeps the output
  // what stripping the types would leave.
  target: ts.ScriptTarget.ES2024,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  useDefineForClassFields: true,
};

/**
 * Compiles every `.ts` module under `root` (not `.d.ts`, not `.tsx`: those are the portal's Vite
 * sources, which run from its build) to `.js` beside it and removes the `.ts`; rewrites `.ts`
 * entry points in every package.json that is not in node_modules. Returns the modules compiled.
 */
export async function compileTypeScriptTree(root: string): Promise<number> {
  let compiled = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes('/node_modules/')) continue;
    if (entry.name === 'package.json') {
      const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      const renamed = renameEntryPoints(manifest);
      if (JSON.stringify(renamed) !== JSON.stringify(manifest))
        await writeFile(path, `${JSON.stringify(renamed, null, 2)}\n`);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const source = await readFile(path, 'utf8');
      const output = ts.transpileModule(source, {
        fileName: path,
        compilerOptions: OPTIONS,
        reportDiagnostics: true,
      });
      const errors = (output.diagnostics ?? []).filter(
        (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
      );
      if (errors.length > 0) {
        throw new Error(
          `${path}: ${ts.flattenDiagnosticMessageText(errors[0]!.messageText, '\n')} (compiling the images' JavaScript)`,
        );
      }
      await writeFile(`${path.slice(0, -'.ts'.length)}.js`, output.outputText);
      await rm(path);
      compiled += 1;
    }
  }
  return compiled;
}

/** `exports`, `imports`, `main` and `bin` of a package.json with `.ts` targets named `.js`. */
export function renameEntryPoints(manifest: Record<string, unknown>): Record<string, unknown> {
  const rename = (value: unknown): unknown => {
    if (typeof value === 'string')
      return /\.ts$/.test(value) && !/\.d\.ts$/.test(value) ? `${value.slice(0, -3)}.js` : value;
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rename(inner)]));
    return value;
  };
  const renamed = { ...manifest };
  for (const field of ['exports', 'imports', 'main', 'bin']) {
    if (field in renamed) renamed[field] = rename(renamed[field]);
  }
  return renamed;
}

/** Tracked files of the given folders of the repository, tests and their fixtures left out. */
export async function trackedSources(repoRoot: string, folders: readonly string[]): Promise<string[]> {
  const { stdout } = await execFileAsync('git', ['ls-files', '-z', '--', ...folders], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\0').filter((file) => file && !/\.test\.tsx?$|\/e2e\/|\/fixtures\//.test(file));
}

/**
 * A runnable copy, compiled as the images have it, of one workspace and the workspaces it depends
 * on, in `target` (made empty first), using this checkout's installed packages (symlinked) but for
 * @kubernetes/client-node, bundled to the names the staged modules import as in the images
 * (client-node.ts): what a benchmark measures when it should run what the images run.
 */
export async function stageCompiled(repoRoot: string, target: string, workspace: string): Promise<void> {
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirOf = new Map<string, string>();
  for (const pattern of root.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? (await readdir(join(repoRoot, pattern.slice(0, -2)))).map((name) => `${pattern.slice(0, -2)}/${name}`)
      : [pattern];
    for (const dir of dirs) {
      const manifest = await readFile(join(repoRoot, dir, 'package.json'), 'utf8').catch(() => undefined);
      if (manifest) dirOf.set((JSON.parse(manifest) as { name: string }).name, dir);
    }
  }
  // The workspace and, transitively, the workspaces in its dependencies.
  const staged = new Set<string>([workspace]);
  for (const dir of staged) {
    const { dependencies = {} } = JSON.parse(await readFile(join(repoRoot, dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(dependencies)) if (dirOf.has(name)) staged.add(dirOf.get(name)!);
  }
  await rm(target, { recursive: true, force: true });
  for (const file of await trackedSources(repoRoot, [...staged])) {
    await cp(join(repoRoot, file), join(target, file), { recursive: true });
  }
  await writeFile(join(target, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  await compileTypeScriptTree(target);
  // The installed packages, except that our own workspaces are the staged ones.
  const modules = join(target, 'node_modules');
  await mkdir(join(modules, '@cloudpos'), { recursive: true });
  for (const entry of await readdir(join(repoRoot, 'node_modules'))) {
    if (entry !== '@cloudpos') await symlink(join(repoRoot, 'node_modules', entry), join(modules, entry));
  }
  for (const [name, dir] of dirOf) {
    if (!staged.has(dir)) continue;
    await symlink(join(target, dir), join(modules, name));
    const own = join(repoRoot, dir, 'node_modules');
    if ((await readdir(own).catch(() => [])).length > 0)
      await symlink(own, join(target, dir, 'node_modules'));
  }
  await bundleClientNode(target);
}
