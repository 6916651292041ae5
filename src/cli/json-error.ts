/** Thrown inside the scanner at the first character it cannot accept. */
class Stop {
  constructor(readonly at: number | 'end') {}
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * Where JSON text stops being valid: the 0-based offset of the first character no JSON parser
 * accepts, 'end' when the text ends too early, null when it is valid (or nests too deep to
 * scan). Lets a bad payload be reported by position alone, the same on every Node version:
 * the parser's own messages quote the text around the fault, which may hold a secret.
 */
export function jsonErrorOffset(text: string): number | 'end' | null {
  let i = 0;
  const fail = (): never => {
    throw new Stop(i >= text.length ? 'end' : i);
  };
  const skipSpace = (): void => {
    while (WHITESPACE.has(text[i] ?? '')) i += 1;
  };
  const accept = (c: string): void => {
    if (text[i] !== c) fail();
    i += 1;
  };
  const digits = (): void => {
    if (!isDigit(text[i])) fail();
    while (isDigit(text[i])) i += 1;
  };
  const string = (): void => {
    accept('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i += 1;
      if (c === '"') return;
      if (c !== '\\') continue;
      const escape = text[i];
      if (escape === 'u') {
        i += 1;
        for (let n = 0; n < 4; n += 1) {
          if (!isHex(text[i])) fail();
          i += 1;
        }
      } else if (escape !== undefined && ESCAPES.has(escape)) {
        i += 1;
      } else {
        fail();
      }
    }
  };
  const number = (): void => {
    if (text[i] === '-') i += 1;
    if (text[i] === '0') i += 1;
    else digits();
    if (text[i] === '.') {
      i += 1;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i += 1;
      if (text[i] === '+' || text[i] === '-') i += 1;
      digits();
    }
  };
  const sequence = (close: string, item: () => void): void => {
    i += 1;
    skipSpace();
    if (text[i] === close) {
      i += 1;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      if (text[i] !== ',') return accept(close);
      i += 1;
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      return sequence('}', () => {
        skipSpace();
        string();
        skipSpace();
        accept(':');
        value();
      });
    }
    if (c === '[') return sequence(']', value);
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (c === word[0]) {
        for (const letter of word) accept(letter);
        return;
      }
    }
    if (c === '-' || isDigit(c)) return number();
    fail();
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return null;
  } catch (error) {
    if (error instanceof Stop) return error.at;
    if (error instanceof RangeError) return null; // nested too deep for this scanner
    throw error;
  }
}
