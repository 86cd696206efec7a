// The till runs this package in the browser. tsconfig.src.json already compiles the source without
// Node's types; this test also catches what types cannot: a runtime dependency, a bare import.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const folder = new URL('./', import.meta.url);
const sources = readdirSync(folder).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));

describe('browser-safe package', () => {
  it('has source files to check', () => {
    expect(sources).toContain('index.ts');
  });

  it.each(sources)('%s imports only sibling modules', (name) => {
    const text = readFileSync(new URL(name, folder), 'utf8');
    const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
      (match) => match[1],
    );
    for (const specifier of specifiers) expect(specifier).toMatch(/^\.\/[\w.-]+\.ts$/);
    expect(text).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b|\bglobalThis\b/);
  });

  it('has no runtime dependencies', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
  });
});
