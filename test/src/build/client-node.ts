// @kubernetes/client-node's index loads the generated API of every Kubernetes kind (two ~7 MB files
// of request classes, about 1,000 model modules): some 75–95 MB of a process that only talks to a
// handful of APIs. The images and the operator bench replace the package, in a staged app tree, with
// one module that rolldown tree-shook down to the names the staged sources import from it. Its own
// dependencies (undici, ws, js-yaml, ...) stay packages, imported from where they are installed.
import { createRequire } from 'node:module';
import {
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import ts from 'typescript';
import { lazyPackageImports } from './lazy-imports.ts';

export const CLIENT_NODE = '@kubernetes/client-node';
// rolldown itself (a native binding) loads only when a bundle is made, not with the harness.
const ROLLDOWN_VERSION = (createRequire(import.meta.url)('rolldown/package.json') as { version: string })
  .version;
/** What goes into the name of a cached layer that holds a bundle: bumped when the bundle's recipe changes. */
export const CLIENT_NODE_BUNDLER = `rolldown ${ROLLDOWN_VERSION}, esm, tree-shaken, not minified, packages loaded when first used, v2`;

/** Whether a file is a module that can import a package: JavaScript or TypeScript, not declarations. */
export const isModule = (path: string): boolean =>
  /\.[cm]?[jt]sx?$/.test(path) && !/\.d\.[cm]?ts$/.test(path);

/** Modules of a tree (not in node_modules) that can import a package: JavaScript and TypeScript. */
export async function moduleFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') await walk(path);
      else if (entry.isFile() && isModule(entry.name)) files.push(path);
    }
  };
  await walk(root);
  return files.sort();
}

/**
 * The names `files` import from @kubernetes/client-node as values (what runs once types are gone:
 * `import type` and `type` specifiers left out), sorted. Anything a tree-shaken bundle of named
 * exports could not serve (a namespace or default import, `export *`, a dynamic `import()` or
 * `require`, a deep path into the package) fails with the file that does it.
 */
export async function clientNodeImports(files: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (!text.includes(CLIENT_NODE)) continue;
    const kind = /\.[cm]?tsx?$/.test(file)
      ? file.endsWith('x')
        ? ts.ScriptKind.TSX
        : ts.ScriptKind.TS
      : file.endsWith('x')
        ? ts.ScriptKind.JSX
        : ts.ScriptKind.JS;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
    const refuse = (node: ts.Node, what: string): never => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      throw new Error(
        `${file}:${line + 1}: ${what} of ${CLIENT_NODE}: its bundle serves named imports only (import { KubeConfig } from '${CLIENT_NODE}')`,
      );
    };
    const isClientNode = (specifier: ts.Node | undefined): boolean => {
      if (!specifier || !ts.isStringLiteralLike(specifier)) return false;
      if (specifier.text.startsWith(`${CLIENT_NODE}/`))
        refuse(specifier, `a deep import (${specifier.text})`);
      return specifier.text === CLIENT_NODE;
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && isClientNode(node.moduleSpecifier)) {
        const clause = node.importClause;
        if (!clause) refuse(node, 'an import for its side effects');
        else if (!clause.isTypeOnly) {
          if (clause.name) refuse(node, 'a default import');
          const bindings = clause.namedBindings;
          if (bindings && ts.isNamespaceImport(bindings)) refuse(node, 'a namespace import');
          if (bindings && ts.isNamedImports(bindings))
            for (const element of bindings.elements)
              if (!element.isTypeOnly) names.add((element.propertyName ?? element.name).text);
        }
      } else if (ts.isExportDeclaration(node) && isClientNode(node.moduleSpecifier)) {
        if (!node.isTypeOnly) {
          const clause = node.exportClause;
          if (!clause || !ts.isNamedExports(clause)) refuse(node, 'a re-export of everything');
          else
            for (const element of clause.elements)
              if (!element.isTypeOnly) names.add((element.propertyName ?? element.name).text);
        }
      } else if (ts.isImportEqualsDeclaration(node)) {
        const reference = node.moduleReference;
        if (!node.isTypeOnly && ts.isExternalModuleReference(reference) && isClientNode(reference.expression))
          refuse(node, 'an import = require()');
      } else if (ts.isCallExpression(node) && isClientNode(node.arguments[0])) {
        const callee = node.expression;
        if (callee.kind === ts.SyntaxKind.ImportKeyword) refuse(node, 'a dynamic import()');
        if (ts.isIdentifier(callee) && callee.text === 'require') refuse(node, 'a require()');
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return [...names].sort();
}

export interface ClientNodeBundle {
  /** The names the bundle exports: those the staged sources import. */
  names: string[];
  /** Size of the bundled module. */
  bytes: number;
}

/**
 * In a staged app tree `root` (its modules compiled, its packages in root/node_modules, copied or
 * symlinked), replaces node_modules/@kubernetes/client-node with a folder holding one ES module that
 * exports exactly the names the tree's modules import from it (`names`, else found by
 * clientNodeImports), and a package.json pointing at it. The package's own node_modules stays with
 * it, so its dependencies resolve from the bundle as they did from the package. Nothing outside
 * `root` changes: a symlinked @kubernetes folder becomes a real one of symlinks first. Returns
 * undefined, leaving the package, when nothing in the tree imports it.
 */
export async function bundleClientNode(
  root: string,
  names?: readonly string[],
): Promise<ClientNodeBundle | undefined> {
  const files = await moduleFiles(root);
  const wanted = [...new Set(names ?? (await clientNodeImports(files)))].sort();
  if (wanted.length === 0) return undefined;
  const modules = join(root, 'node_modules');
  const scope = join(modules, '@kubernetes');
  const packageDir = join(scope, 'client-node');
  if ((await lstat(modules)).isSymbolicLink())
    throw new Error(`${modules} is a symlink: bundling ${CLIENT_NODE} would write outside ${root}`);
  const installed = await realpath(packageDir);
  // Every module that imports the package must be served by this copy, not one of its own.
  for (const file of files) {
    if (!(await readFile(file, 'utf8')).includes(CLIENT_NODE)) continue;
    const resolved = await resolvePackageDir(file);
    if (resolved !== installed)
      throw new Error(
        `${file} loads ${CLIENT_NODE} from ${resolved}, not ${packageDir}: bundle that copy too`,
      );
  }

  const entry = join(modules, '.client-node-bundle-entry.js');
  const warnings: string[] = [];
  let code: string;
  let exported: string[];
  let lazy: ReturnType<typeof lazyPackageImports>;
  try {
    const { rolldown } = await import('rolldown');
    const build = await rolldown({
      input: entry,
      cwd: root,
      platform: 'node',
      treeshake: true,
      // Its dependencies (and Node's modules) are imported, not bundled: every bare specifier but
      // the package itself. Its own modules import one another by relative paths.
      external: (id) => !/^[./\0]/.test(id) && id !== CLIENT_NODE && !id.startsWith(`${CLIENT_NODE}/`),
      onLog: (level, log) => {
        if (level === 'warn') warnings.push(`${log.code ?? ''} ${log.message}`);
      },
      plugins: [
        {
          name: 'client-node-entry',
          resolveId: (id) => (id === entry ? id : undefined),
          load: (id) =>
            id === entry ? `export { ${wanted.join(', ')} } from '${CLIENT_NODE}';\n` : undefined,
        },
      ],
    });
    try {
      const { output } = await build.generate({
        format: 'esm',
        entryFileNames: 'index.js',
        codeSplitting: false,
        // Measured: minifying saves no memory (the bundle's cost is its evaluated classes, not its
        // source), and would cost readable stack traces.
        minify: false,
      });
      const chunks = output.filter((file) => file.type === 'chunk');
      if (chunks.length !== 1 || output.length !== 1)
        throw new Error(`rolldown made ${output.map((file) => file.fileName).join(', ')}, not one module`);
      code = chunks[0]!.code;
      exported = [...chunks[0]!.exports].sort();
      // Proxy agents, OIDC, YAML, WebSockets: loaded by the first call that needs them.
      lazy = lazyPackageImports(code);
      code = lazy.code;
    } finally {
      await build.close();
    }
  } catch (error) {
    const reasons = (error as { errors?: { message: string }[] }).errors?.map((inner) => inner.message) ?? [
      (error as Error).message,
    ];
    throw new Error(
      `bundling ${CLIENT_NODE} (${wanted.join(', ')}) failed: ${stripVTControlCharacters(reasons.join('\n'))}`,
      { cause: error },
    );
  }
  if (warnings.length > 0)
    throw new Error(
      `bundling ${CLIENT_NODE}: rolldown warned\n${stripVTControlCharacters(warnings.join('\n'))}`,
    );
  if (exported.join() !== wanted.join())
    throw new Error(`the ${CLIENT_NODE} bundle exports ${exported.join(', ')}, not ${wanted.join(', ')}`);

  // The bundle is made: now the package folder can go.
  const original = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  await realFolder(scope);
  const staging = join(scope, '.client-node-bundle');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  await writeFile(join(staging, 'index.js'), code);
  // The nested dependencies go with the bundle, and its lazy imports are checked from there.
  const nested = join(packageDir, 'node_modules');
  if (await lstat(nested).catch(() => undefined)) {
    if ((await lstat(packageDir)).isSymbolicLink())
      await symlink(await realpath(nested), join(staging, 'node_modules'));
    else await rename(nested, join(staging, 'node_modules'));
  }
  await checkLazyImports(staging, lazy.bindings);
  await writeFile(
    join(staging, 'package.json'),
    `${JSON.stringify(
      {
        name: original.name,
        version: original.version,
        description: `${CLIENT_NODE} ${String(original.version)} bundled (${CLIENT_NODE_BUNDLER}) to the names CloudPOS imports`,
        license: original.license,
        type: 'module',
        exports: { '.': './index.js', './package.json': './package.json' },
        dependencies: original.dependencies,
        cloudpos: { bundled: wanted, bundler: CLIENT_NODE_BUNDLER },
      },
      null,
      2,
    )}\n`,
  );
  await cp(join(installed, 'LICENSE'), join(staging, 'LICENSE')).catch(() => {});
  // A symlink is removed, not followed.
  await rm(packageDir, { recursive: true, force: true });
  await rename(staging, packageDir);
  return { names: wanted, bytes: Buffer.byteLength(code) };
}

/**
 * Checks, in a Node process, that every binding the bundle loads lazily (lazy-imports.ts) is what an
 * import from the bundle's folder gives: the same module, with each name it uses. A package whose
 * ES module cannot be require()d (top-level await) or lacks a name fails the build, not a request.
 */
async function checkLazyImports(folder: string, bindings: Map<string, string[]>): Promise<void> {
  const check = join(folder, '.check-lazy-imports.mjs');
  await writeFile(
    check,
    `import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { types } from 'node:util';
const require = createRequire(import.meta.url);
const problems = [];
for (const [specifier, names] of ${JSON.stringify([...bindings])}) {
  try {
    const imported = await import(specifier);
    const required = require(fileURLToPath(import.meta.resolve(specifier)));
    const esm = types.isModuleNamespaceObject(required);
    for (const name of names) {
      if (name === '*') continue;
      const lazy = name === 'default' && !esm ? required : required[name];
      if (imported[name] === undefined || lazy !== imported[name])
        problems.push(specifier + ': ' + name + ' is not what import gives');
    }
  } catch (error) {
    problems.push(specifier + ': ' + error.message);
  }
}
if (problems.length > 0) { console.error(problems.join('\\n')); process.exit(1); }
`,
  );
  try {
    await promisify(execFile)(process.execPath, [check], { cwd: folder });
  } catch (error) {
    throw new Error(
      `bundling ${CLIENT_NODE}: a dependency cannot be loaded lazily\n${(error as { stderr?: string }).stderr ?? String(error)}`,
      { cause: error },
    );
  } finally {
    await rm(check, { force: true });
  }
}

/** The real folder of the package a module would load as @kubernetes/client-node. */
async function resolvePackageDir(file: string): Promise<string> {
  const main = createRequire(file).resolve(`${CLIENT_NODE}/package.json`);
  return realpath(dirname(main));
}

/** Makes a symlinked folder a real one whose entries are symlinks to the original's. */
async function realFolder(dir: string): Promise<void> {
  if (!(await lstat(dir)).isSymbolicLink()) return;
  const target = await realpath(dir);
  await rm(dir);
  await mkdir(dir);
  for (const entry of await readdir(target)) await symlink(join(target, entry), join(dir, entry));
}
