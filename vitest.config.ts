import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One project per workspace package; each declares the real dependencies it needs.
    projects: [
      'services/*/vitest.config.ts',
      'operator/vitest.config.ts',
      'portal/vitest.config.ts',
      'test/vitest.config.ts',
    ],
  },
});
