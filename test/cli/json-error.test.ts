// The position a bad payload is reported at: found by scanning, the same on every Node version.
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../src/cli/json-error.js';

describe('jsonErrorOffset', () => {
  it('is null for valid JSON and agrees with JSON.parse on what is valid', () => {
    const texts = ['{}', ' [1, -2.5e+3, "a\\u00e9\\n", true, false, null] ', '{"a":{"b":[]}}', '0', '"x"', '{bad', '[1,]', '01', '1.', '"\\x"', '{"a" 1}', '[1 2]', 'nul', '', '"a\nb"'];
    for (const text of texts) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(jsonErrorOffset(text) === null, JSON.stringify(text)).toBe(valid);
    }
  });

  it('points at the first character no parser accepts, or at the end', () => {
    expect(jsonErrorOffset('{"apiToken": s3cret}')).toBe(13);
    expect(jsonErrorOffset('{"apiToken": tok}')).toBe(14); // "t" may start true; "o" may not follow
    expect(jsonErrorOffset('[1, 2 3]')).toBe(6);
    expect(jsonErrorOffset('{"a":1} x')).toBe(8);
    expect(jsonErrorOffset('{"a":')).toBe('end');
    expect(jsonErrorOffset('   ')).toBe('end');
  });
});
