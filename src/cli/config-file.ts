import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SETTINGS, SETTING_NAMES, type ConfigSource, type SettingName } from './config.js';
import type { RawValue } from './config-values.js';
import { UsageError } from './errors.js';

export const DEFAULT_CONFIG_FILE = 'jobs.config.json';

function isRawValue(value: unknown): value is RawValue {
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Reads the config file: `explicit` must exist; otherwise `jobs.config.json` in the working
 * directory is used when present. Every key must be a known setting and its value must parse.
 */
export function loadConfigFile(explicit: string | undefined, cwd = process.cwd()): ConfigSource {
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    if (explicit) throw new UsageError(`config file ${explicit} cannot be read; check the path given to --config`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object like {"redis": "redis://..."}`);
  }
  const source: ConfigSource = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(SETTING_NAMES as string[]).includes(key)) {
      throw new UsageError(`config file ${path}: unknown setting "${key}" (known: ${SETTING_NAMES.join(', ')})`);
    }
    const name = key as SettingName;
    const where = `config file ${path}: "${key}"`;
    if (!isRawValue(value)) throw new UsageError(`${where} must be a string, number, boolean or list of strings`);
    SETTINGS[name].parse(value, where);
    source[name] = value;
  }
  return source;
}
