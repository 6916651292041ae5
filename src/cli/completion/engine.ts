import { Help, type Command, type Option } from 'commander';
import { EVENT_NAMES } from '../../core/events.js';
import { LIST_STATES } from '../parse.js';

/** One completion: the word and, for shells that show it, what it is. */
export interface Candidate {
  value: string;
  description?: string;
}

/** What the shell should offer: these words, or file names. */
export type Completion = { kind: 'words'; candidates: Candidate[] } | { kind: 'files' };

/** Names that live in Redis, read only when a position asks for them. */
export interface DynamicNames {
  queues(settings: LineSettings): Promise<string[]>;
  schedules(settings: LineSettings): Promise<string[]>;
}

/** Settings typed on the line so far, so dynamic names come from the Redis, prefix and queue meant. */
export type LineSettings = Partial<Record<'redis' | 'prefix' | 'queue' | 'config', string>>;

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

type ValueKind = 'queue' | 'queues' | 'schedule' | 'files' | 'shell' | 'zone' | readonly string[];

/** Values of options, by long flag; options with choices complete those. */
const OPTION_VALUES: Record<string, ValueKind> = {
  '--queue': 'queue',
  '--queues': 'queues',
  '--state': LIST_STATES,
  '--event': EVENT_NAMES,
  '--log-format': ['pretty', 'json'],
  '--config': 'files',
  '--payload': 'files',
  '--ndjson': 'files',
  '--handlers': 'files',
  '--tz': 'zone',
};

/** Positional arguments, by command path. */
const POSITIONALS: Record<string, ValueKind> = {
  'queue pause': 'queue',
  'queue resume': 'queue',
  'queue delete': 'queue',
  'cron add': 'schedule',
  'cron show': 'schedule',
  'cron remove': 'schedule',
  'cron trigger': 'schedule',
  'cron pause': 'schedule',
  'cron resume': 'schedule',
  completion: 'shell',
};

const help = new Help();

function path(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function subcommand(command: Command, word: string): Command | undefined {
  return help.visibleCommands(command).find((c) => c.name() === word || c.aliases().includes(word));
}

/** The options valid at this command: its own and every ancestor's (global options). */
function optionsAt(command: Command): Option[] {
  const options: Option[] = [];
  for (let c: Command | null = command; c; c = c.parent) options.push(...help.visibleOptions(c));
  return options;
}

function findOption(command: Command, word: string): Option | undefined {
  return optionsAt(command).find((o) => o.long === word || o.short === word);
}

const takesValue = (option: Option): boolean => option.required || option.optional;

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 70 ? `${line.slice(0, 69)}…` : line;
}

async function valuesOf(kind: ValueKind, settings: LineSettings, dynamic: DynamicNames, option?: Option): Promise<Completion> {
  const words = (values: readonly string[]): Completion => ({ kind: 'words', candidates: values.map((value) => ({ value })) });
  if (Array.isArray(kind)) return words(kind);
  switch (kind) {
    case 'files':
      return { kind: 'files' };
    case 'shell':
      return words(SHELLS);
    case 'zone':
      return words(['UTC', ...Intl.supportedValuesOf('timeZone')]);
    case 'queue':
    case 'queues':
      return words(await dynamic.queues(settings));
    case 'schedule':
      return words(await dynamic.schedules(settings));
    default:
      return words(option?.argChoices ?? []);
  }
}

/**
 * The completions for a command line: `words` are the words after the program name, the last
 * one being the word under the cursor (possibly empty).
 */
export async function complete(program: Command, words: readonly string[], dynamic: DynamicNames): Promise<Completion> {
  const current = words[words.length - 1] ?? '';
  let command = program;
  let pendingOption: Option | undefined;
  let positionals = 0;
  const settings: LineSettings = {};
  for (const word of words.slice(0, -1)) {
    if (pendingOption) {
      const name = pendingOption.attributeName();
      if (name === 'redis' || name === 'prefix' || name === 'queue' || name === 'config') settings[name] = word;
      pendingOption = undefined;
    } else if (word.startsWith('-') && word !== '-') {
      const option = findOption(command, word.split('=')[0] ?? word);
      if (option && takesValue(option) && !word.includes('=')) pendingOption = option;
    } else {
      const sub = positionals === 0 ? subcommand(command, word) : undefined;
      if (sub) command = sub;
      else positionals += 1;
    }
  }

  let completion: Completion;
  if (pendingOption) {
    const kind = OPTION_VALUES[pendingOption.long ?? ''] ?? (pendingOption.argChoices ? pendingOption.argChoices : undefined);
    completion = kind === undefined ? { kind: 'words', candidates: [] } : await valuesOf(kind, settings, dynamic, pendingOption);
    // `--queues a,b`: complete the part after the last comma
    if (completion.kind === 'words' && OPTION_VALUES[pendingOption.long ?? ''] === 'queues' && current.includes(',')) {
      const head = current.slice(0, current.lastIndexOf(',') + 1);
      completion.candidates = completion.candidates.map((c) => ({ value: head + c.value }));
    }
  } else if (current.startsWith('-')) {
    completion = {
      kind: 'words',
      candidates: optionsAt(command).flatMap((o) => (o.long ? [{ value: o.long, description: firstLine(o.description) }] : [])),
    };
  } else {
    const candidates: Candidate[] = positionals === 0 ? help.visibleCommands(command).filter((c) => c.name() !== 'help').map((c) => ({ value: c.name(), description: firstLine(c.description()) })) : [];
    const kind = POSITIONALS[path(command)];
    if (kind !== undefined && (positionals === 0 || command.registeredArguments.some((a) => a.variadic))) {
      const values = await valuesOf(kind, settings, dynamic);
      if (values.kind === 'files') return values;
      candidates.push(...values.candidates);
    }
    completion = { kind: 'words', candidates };
  }
  if (completion.kind === 'files') return completion;
  const seen = new Set<string>();
  return {
    kind: 'words',
    candidates: completion.candidates.filter((c) => c.value.startsWith(current) && !seen.has(c.value) && seen.add(c.value)),
  };
}

/** The completion as the shell's script reads it: one word a line (with a tab and what it is for zsh and fish), or `:files`. */
export function formatCompletion(completion: Completion, shell: Shell): string {
  if (completion.kind === 'files') return ':files\n';
  return completion.candidates
    .map((c) => {
      if (shell === 'bash' || !c.description) return shell === 'zsh' ? c.value.replace(/:/g, '\\:') : c.value;
      return shell === 'zsh' ? `${c.value.replace(/:/g, '\\:')}:${c.description}` : `${c.value}\t${c.description}`;
    })
    .map((line) => `${line}\n`)
    .join('');
}
