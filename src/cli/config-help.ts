import { SETTINGS, type SettingName } from './config.js';

/** An option's help: what it does, its default in the README's units, and its variable. */
export function settingHelp(name: SettingName, what: string): string {
  const setting = SETTINGS[name];
  return `${what} (default: ${setting.shown}; env ${setting.env})`;
}
