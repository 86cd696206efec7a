// `react-router dev`: the same Fastify app with Vite's dev server (the Vite plugin calls this).
import type { ViteDevServer } from 'vite';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { migratePlatform } from './db/migrate.ts';
import { createRuntime } from './services.ts';

export async function createServer(devServer?: ViteDevServer) {
  const config = loadConfig();
  await migratePlatform(config.DATABASE_URL);
  return buildApp({ runtime: await createRuntime(config), ...(devServer && { devServer }) });
}
