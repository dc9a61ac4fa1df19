import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The gateway's tests, and those of the workspace packages (packages/argocd-simulator/test/).
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
