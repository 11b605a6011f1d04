/** Small text checks shared by the registration rules. */

/** Whether a string contains ASCII control characters (U+0000-U+001F, U+007F). */
export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Whether a value from the wire holds a character no store can keep: U+0000 (PostgreSQL's text
 * type refuses it outright, SQLSTATE 22021). Strings inside arrays and objects count too.
 */
export function holdsUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 8) return false;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000') || holdsUnstorableText(inner, depth + 1)) return true;
  }
  return false;
}
