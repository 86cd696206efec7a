// A bundle's imports of packages, loaded when first used instead of when the bundle loads. The
// client-node bundle imports proxy agents, OIDC, YAML, JSONPath and WebSocket clients that an
// in-cluster operator never touches; evaluated eagerly they cost several MB in every process.
// Each import of a package becomes a stand-in that loads the module the import would have loaded
// (resolved with import.meta.resolve, so the same file) through require(), which Node 24 allows
// for ES modules, and forwards calls, `new`, and property reads to it. Node's own modules stay
// imports (`url` too, without its `node:`). Imports kept only for their side effects are dropped.
import { isBuiltin } from 'node:module';
import ts from 'typescript';

/** What `lazyPackageImports` did: the rewritten module and the bindings it now loads lazily. */
export interface LazyImports {
  code: string;
  /** Per package: the names it imports (`default` for a default import, `*` for a namespace). */
  bindings: Map<string, string[]>;
  /** Packages whose side-effect-only import was dropped. */
  dropped: string[];
}

const RUNTIME = `import { createRequire as __lazyCreateRequire } from 'node:module';
import { fileURLToPath as __lazyFileURLToPath } from 'node:url';
import { types as __lazyTypes } from 'node:util';
const __lazyRequire = __lazyCreateRequire(import.meta.url);
const __lazyLoaded = new Map();
/** The module \`specifier\` would import, and whether it is an ES module (else CommonJS exports). */
function __lazyLoad(specifier) {
  let loaded = __lazyLoaded.get(specifier);
  if (!loaded) {
    const exports = __lazyRequire(__lazyFileURLToPath(import.meta.resolve(specifier)));
    loaded = { exports, esm: __lazyTypes.isModuleNamespaceObject(exports) };
    __lazyLoaded.set(specifier, loaded);
  }
  return loaded;
}
/** A binding as \`import\` gives it: an ES module's export, or CommonJS exports (default: all of them). */
function __lazyValue(specifier, name) {
  const { exports, esm } = __lazyLoad(specifier);
  return name === 'default' && !esm ? exports : exports[name];
}
function __lazyNamespace(specifier) {
  const target = () => {
    const { exports, esm } = __lazyLoad(specifier);
    return esm ? exports : { ...exports, default: exports };
  };
  return new Proxy(Object.create(null), {
    get: (_, key) => target()[key],
    has: (_, key) => key in target(),
  });
}
function __lazyBinding(specifier, name) {
  const target = () => __lazyValue(specifier, name);
  return new Proxy(function lazy() {}, {
    apply: (_, self, args) => Reflect.apply(target(), self, args),
    construct: (_, args) => Reflect.construct(target(), args),
    get: (_, key) => target()[key],
    has: (_, key) => key in target(),
  });
}
`;

/** Node's own modules (`node:fs`, and `url` without the prefix) and relative paths are not packages. */
const isPackage = (specifier: string) => !isBuiltin(specifier) && !/^[./]/.test(specifier);

/** Rewrites the top-level imports of packages in an ES module `code` (see the file's comment). */
export function lazyPackageImports(code: string): LazyImports {
  const source = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const bindings = new Map<string, string[]>();
  const dropped: string[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!isPackage(specifier)) continue;
    const quoted = JSON.stringify(specifier);
    const clause = statement.importClause;
    const declarations: string[] = [];
    const names: string[] = [];
    if (!clause) dropped.push(specifier);
    else {
      if (clause.name) {
        declarations.push(`${clause.name.text} = __lazyBinding(${quoted}, "default")`);
        names.push('default');
      }
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) {
        declarations.push(`${named.name.text} = __lazyNamespace(${quoted})`);
        names.push('*');
      } else if (named) {
        for (const element of named.elements) {
          const imported = (element.propertyName ?? element.name).text;
          declarations.push(`${element.name.text} = __lazyBinding(${quoted}, ${JSON.stringify(imported)})`);
          names.push(imported);
        }
      }
      bindings.set(specifier, [...(bindings.get(specifier) ?? []), ...names]);
    }
    edits.push({
      start: statement.getStart(source),
      end: statement.getEnd(),
      text: declarations.length > 0 ? `const ${declarations.join(', ')};` : '',
    });
  }
  if (edits.length === 0) return { code, bindings, dropped };
  let rewritten = code;
  for (const edit of edits.reverse())
    rewritten = rewritten.slice(0, edit.start) + edit.text + rewritten.slice(edit.end);
  return { code: `${RUNTIME}${rewritten}`, bindings, dropped };
}
