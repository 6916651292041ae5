import { describe, expect, it } from 'vitest';
import { parseRedactList, redactValue } from '../../src/cli/redact.js';

describe('redactValue', () => {
  const fields = parseRedactList(' apiToken, password ,');

  it('hides named keys at any depth, in arrays too, and leaves the rest', () => {
    const value = { user: 'ada', apiToken: 't', nested: { list: [{ password: 'p', keep: 1 }] } };
    expect(redactValue(value, fields)).toEqual({
      user: 'ada',
      apiToken: '[redacted]',
      nested: { list: [{ password: '[redacted]', keep: 1 }] },
    });
    expect(value.apiToken).toBe('t');
  });

  it('keeps a __proto__ key as data and returns non-objects unchanged', () => {
    const hostile = JSON.parse('{"__proto__": {"apiToken": "t"}}') as Record<string, unknown>;
    const copy = redactValue(hostile, fields) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"apiToken":"[redacted]"}}');
    expect(redactValue('text', fields)).toBe('text');
    expect(redactValue({ apiToken: 1 }, new Set())).toEqual({ apiToken: 1 });
  });
});
