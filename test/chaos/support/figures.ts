import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LAST_RUN = fileURLToPath(new URL('../last-run.json', import.meta.url));

/** The figures one chaos scenario saw; quoted by the README's "Guarantees" section. */
export type ScenarioFigures = Record<string, number | string | boolean>;

/**
 * Prints a scenario's figures and merges them into test/chaos/last-run.json. The chaos
 * config runs files one after another, so read-merge-write does not race.
 */
export function recordFigures(scenario: string, figures: ScenarioFigures): void {
  const entry = { ...figures, finishedAt: new Date().toISOString() };
  console.log(`[chaos] ${scenario}: ${JSON.stringify(entry)}`);
  let all: Record<string, unknown> = {};
  if (existsSync(LAST_RUN)) {
    try {
      all = JSON.parse(readFileSync(LAST_RUN, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {};
    }
  }
  all[scenario] = entry;
  writeFileSync(LAST_RUN, `${JSON.stringify(all, null, 2)}\n`);
}
