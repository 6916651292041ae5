import { defineConfig } from 'vitest/config';
import { E2E_TESTS } from './vitest.e2e.config.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // chaos and end-to-end suites have their own scripts (npm run test:chaos, test:e2e)
    exclude: ['test/chaos/**', ...E2E_TESTS],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
