import { fastifyReactRouterDev } from '@mcansh/react-router-fastify/vite';
import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    reactRouter(),
    // `react-router dev` runs through the same Fastify app as production. `#context` (the token that
    // carries the server's services into loaders) stays an import in the server bundle, so Fastify and
    // the routes share one token instead of two copies.
    fastifyReactRouterDev({ entry: './src/dev.ts', externalizeServerEntryImports: ['#context'] }),
  ],
});
