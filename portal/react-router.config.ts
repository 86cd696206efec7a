import type { Config } from '@react-router/dev/config';

// Server-side rendering on: every page works without JavaScript (forms post to actions), and secrets
// stay in loaders and actions on the server.
export default {
  appDirectory: 'app',
  buildDirectory: 'build',
  ssr: true,
} satisfies Config;
