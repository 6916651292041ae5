/** One shell command line of the README, as a user would paste it. */
export interface Example {
  text: string;
  /** 1-based line in README.md. */
  line: number;
}

/** The examples of one code block, run in order against a world of their own. */
export interface ExampleBlock {
  /** The heading the block sits under. */
  section: string;
  /** 1-based line of the opening fence. */
  line: number;
  kind: 'sh' | 'npm scripts' | 'CI steps';
  examples: Example[];
}

/** Lines of a ```sh block: comment-only lines dropped, `\` continuations joined. */
function shellLines(lines: string[], firstLine: number): Example[] {
  const examples: Example[] = [];
  let pending: Example | undefined;
  lines.forEach((raw, index) => {
    const text = pending ? `${pending.text} ${raw.trim()}` : raw.trim();
    const line = pending?.line ?? firstLine + index;
    pending = undefined;
    if (text === '' || text.startsWith('#')) return;
    if (text.endsWith('\\')) pending = { text: text.slice(0, -1).trimEnd(), line };
    else examples.push({ text, line });
  });
  return examples;
}

/** The values of `"scripts"` in a package.json example: npm runs each with `sh -c`. */
function npmScripts(lines: string[], firstLine: number): Example[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines.join('\n'));
  } catch {
    return [];
  }
  const scripts = (parsed as { scripts?: unknown }).scripts;
  if (typeof scripts !== 'object' || scripts === null) return [];
  return Object.values(scripts as Record<string, unknown>)
    .filter((value): value is string => typeof value === 'string')
    .map((text) => ({ text, line: firstLine + Math.max(0, lines.findIndex((l) => l.includes(JSON.stringify(text)))) }));
}

/** The `run:` lines of a CI example (one-line commands). */
function ciSteps(lines: string[], firstLine: number): Example[] {
  const examples: Example[] = [];
  lines.forEach((raw, index) => {
    const match = /^\s*(?:-\s*)?run:\s*(.+?)\s*$/.exec(raw);
    if (match?.[1] && !match[1].startsWith('|') && !match[1].startsWith('>')) examples.push({ text: match[1], line: firstLine + index });
  });
  return examples;
}

/**
 * Every command a reader could paste from the README: the lines of ```sh blocks, the scripts of
 * ```json package.json examples, and the `run:` lines of ```yaml CI examples.
 */
export function readmeExamples(markdown: string): ExampleBlock[] {
  const lines = markdown.split('\n');
  const blocks: ExampleBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1]) section = heading[1];
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((candidate, j) => j > i && candidate.startsWith('```'));
    if (end === -1) throw new Error(`README.md line ${i + 1}: code block never closed`);
    const body = lines.slice(i + 1, end);
    const first = i + 2;
    const language = fence[1];
    const found =
      language === 'sh'
        ? { kind: 'sh' as const, examples: shellLines(body, first) }
        : language === 'json'
          ? { kind: 'npm scripts' as const, examples: npmScripts(body, first) }
          : language === 'yaml' || language === 'yml'
            ? { kind: 'CI steps' as const, examples: ciSteps(body, first) }
            : undefined;
    if (found && found.examples.length > 0) blocks.push({ section, line: i + 1, ...found });
    i = end;
  }
  return blocks;
}
