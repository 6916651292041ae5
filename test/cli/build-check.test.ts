// `prepare` first checks that the clone's dependencies are installed: in a clone without
// node_modules (npm link before npm install) it stops with the order to follow; in an
// installed clone (npm ci, npm install) it lets the build run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from './run-cli.js';

const SCRIPT = join(ROOT, 'scripts', 'check-build-tools.js');
const bare = mkdtempSync(join(tmpdir(), 'jobs-bare-clone-'));
afterAll(() => rmSync(bare, { recursive: true, force: true }));

it('passes in this installed clone', () => {
  const result = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

it('stops a clone without node_modules with the order to follow', () => {
  mkdirSync(join(bare, 'scripts'));
  copyFileSync(SCRIPT, join(bare, 'scripts', 'check-build-tools.js'));
  const result = spawnSync(process.execPath, [join(bare, 'scripts', 'check-build-tools.js')], { encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^jobs: cannot build dist\/: this clone has no node_modules \(typescript, commander missing\)\.\nRun `npm install` in the clone first/);
});
