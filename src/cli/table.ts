/**
 * Tables for people and for pipes. On a terminal: one header line, rows without rules between
 * them, columns two spaces apart, sized to the terminal (the widest columns give way first and
 * long cells end in an ellipsis). Otherwise (a pipe, a file, or --plain): tab-separated text
 * without colour or truncation, one line per row, so `cut -f1` and `awk -F'\t'` work.
 */

const ANSI = /\x1b\[[0-9;]*m/g;
const GAP = 2;
/** A column is never cut below this (or its natural width, when smaller). */
const MIN_WIDTH = 4;

export interface TableStyle {
  /** Tab-separated text instead of aligned columns. */
  plain: boolean;
  /** Terminal width; undefined leaves rows at their natural width. */
  width: number | undefined;
  /** How the header cells are drawn on a terminal (bold when colour is on). */
  header?: (text: string) => string;
}

/** Characters a cell takes on screen (colour codes take none). */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Cuts a cell to `width` characters, ending in an ellipsis; colour codes are kept and closed. */
export function truncate(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let shown = 0;
  let coloured = false;
  for (let i = 0; i < text.length && shown < width - 1; ) {
    const escape = text[i] === '\x1b' ? /^\x1b\[[0-9;]*m/.exec(text.slice(i)) : null;
    if (escape) {
      out += escape[0];
      coloured = true;
      i += escape[0].length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i) ?? 32);
    out += char;
    shown += 1;
    i += char.length;
  }
  return `${out}…${coloured ? '\x1b[0m' : ''}`;
}

/** A cell as one line of plain text: no colour, no tabs or line breaks. */
export function plainCell(text: string): string {
  return text.replace(ANSI, '').replace(/[\t\r\n]+/g, ' ');
}

const NUMERIC = /^-?[\d.,]+(\/\d+)?%?$/;

/** Column widths that fit `width`: the widest column gives way first, down to MIN_WIDTH. */
export function fitWidths(natural: readonly number[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const total = (): number => widths.reduce((sum, w) => sum + w, 0) + GAP * Math.max(0, widths.length - 1);
  while (total() > width) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > Math.min(MIN_WIDTH, natural[i] ?? 0) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/** The table as lines, without trailing newlines. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], style: TableStyle): string[] {
  if (style.plain) return [head, ...rows].map((row) => row.map(plainCell).join('\t'));
  const columns = head.length;
  const natural = head.map((h, c) => Math.max(visibleLength(h), ...rows.map((row) => visibleLength(row[c] ?? ''))));
  const widths = fitWidths(natural, style.width);
  const right = head.map((_, c) => rows.length > 0 && rows.every((row) => (row[c] ?? '') === '' || NUMERIC.test(plainCell(row[c] ?? ''))));
  const line = (cells: readonly string[], paint: (text: string) => string = (text) => text): string =>
    cells
      .map((cell, c) => {
        const width = widths[c] ?? 0;
        const fitted = truncate(cell.replace(/[\r\n]+/g, ' '), width);
        const padding = ' '.repeat(Math.max(0, width - visibleLength(fitted)));
        if (right[c]) return padding + paint(fitted);
        return c === columns - 1 ? paint(fitted) : paint(fitted) + padding;
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(head, style.header), ...rows.map((row) => line(row))];
}

/** "50 of 120 · next: --offset 50" under a page of a longer list; undefined when it all fits. */
export function pageFooter(page: { offset: number; shown: number; total: number | undefined; limit: number }): string | undefined {
  const { offset, shown, total, limit } = page;
  const more = total === undefined ? shown >= limit : offset + shown < total;
  if (!more && offset === 0) return undefined;
  const range = offset === 0 ? `${shown}` : shown === 0 ? 'none' : `${offset + 1}-${offset + shown}`;
  const of = total === undefined ? ' shown' : ` of ${total}`;
  return `${range}${of}${more ? ` · next: --offset ${offset + shown}` : ''}`;
}
