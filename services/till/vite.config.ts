// The till is built to static files that the POS API serves at /till/. Two entries: the app
// (index.html) and the service worker (sw.js, at a fixed name so its scope is /till/). After the
// bundle is written, precache.json lists every file the worker must keep for offline start.
import { defineConfig, type Plugin } from 'vite';

// Copied from public/ as they are (not part of the bundle Rolldown reports).
const PUBLIC_FILES = ['manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png'];

function precacheManifest(): Plugin {
  return {
    name: 'cloudpos-precache-manifest',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((name) => name !== 'sw.js' && !name.endsWith('.map'));
      this.emitFile({
        type: 'asset',
        fileName: 'precache.json',
        source: JSON.stringify({
          files: ['./', ...PUBLIC_FILES, ...files.filter((name) => name !== 'index.html')],
        }),
      });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/till/',
  // Vite 8 transforms TSX with Oxc: React's automatic runtime, no Babel plugin needed.
  oxc: { jsx: { runtime: 'automatic', development: false } },
  plugins: [precacheManifest()],
  resolve: {
    // The OpenTelemetry packages pin exact versions of one another, and npm nests a copy under each
    // package whose pin differs from the hoisted one (the server's exporters hoist 2.12.1): one copy
    // each in the bundle, the till's own (package.json pins the same release throughout).
    dedupe: [
      '@opentelemetry/api',
      '@opentelemetry/api-logs',
      '@opentelemetry/core',
      '@opentelemetry/instrumentation',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace',
    ],
  },
  // Built from inside vitest too (NODE_ENV=test), where React would otherwise be its development build.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: { app: 'index.html', sw: 'src/sw/service-worker.ts' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  logLevel: 'warn',
});
