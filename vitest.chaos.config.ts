import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the heavy fault scenarios (worker kills, Redis crashes, Redis away).
// Files run one after another: they load the machine, and they share test/chaos/last-run.json.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
