/** Replaces the values of the named keys, at any depth, so secrets stay out of output. */
export function redactValue(value: unknown, fields: ReadonlySet<string>): unknown {
  if (fields.size === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, fields));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // defineProperty keeps a "__proto__" key as data instead of setting the prototype
    Object.defineProperty(copy, key, {
      value: fields.has(key) ? '[redacted]' : redactValue(inner, fields),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** `"a, b"` -> {"a", "b"} */
export function parseRedactList(text: string | undefined): Set<string> {
  return new Set((text ?? '').split(',').map((field) => field.trim()).filter((field) => field !== ''));
}
