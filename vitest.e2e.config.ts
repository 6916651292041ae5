import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the product as users install and run it, whole processes end to end: the
// packed package installed into a fresh project, every README shell example through `sh -c`,
// and `jobs dev` with its own redis-server. Slower than `npm test`, so run on its own (by .ci/run).
export const E2E_TESTS = ['test/cli/readme-examples.test.ts', 'test/cli/package.test.ts', 'test/cli/dev.test.ts'];

export default defineConfig({
  test: {
    include: E2E_TESTS,
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});
