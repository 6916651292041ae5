#!/usr/bin/env node
// The same program as `jobs`, under a name no shell has a builtin for: `jobs` is a builtin of
// sh, bash and zsh, which wins over this binary in npm scripts, CI steps and `npx`.
import { run } from '../dist/cli/main.js';

run(process.argv, 'jobsctl').then((code) => {
  process.exitCode = code;
});
