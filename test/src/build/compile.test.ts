// The images' JavaScript: a tree of TypeScript modules and a workspace package, compiled, runs on a
// Node with type stripping turned off, and gives what the sources give.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
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
  });
});
