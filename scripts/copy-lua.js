// Copies the Lua scripts next to the compiled loader, which reads them at run time.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';

const from = 'src/core/scripts';
const to = 'dist/core/scripts';
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) {
  if (name.endsWith('.lua')) cpSync(`${from}/${name}`, `${to}/${name}`);
}
