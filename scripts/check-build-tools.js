// Runs before `prepare` builds dist/. `npm link` or `npm install -g .` in a fresh clone runs
// prepare without installing the clone's own dependencies first, so tsc is missing (and the
// linked CLI would miss its libraries): say the order instead of failing with "tsc: not found".
// Checked by file, not by require.resolve: a package's "exports" may hide its package.json.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const missing = ['typescript', 'commander'].filter((name) => !existsSync(`${root}node_modules/${name}/package.json`));
if (missing.length > 0) {
  process.stderr.write(
    `jobs: cannot build dist/: this clone has no node_modules (${missing.join(', ')} missing).\n` +
      'Run `npm install` in the clone first (it installs the dependencies and builds), then `npm link` or `npm install -g .`\n',
  );
  process.exit(1);
}
