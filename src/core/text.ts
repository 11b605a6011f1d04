/** Small text checks shared by the registration rules. */

/** Whether a string contains ASCII control characters (U+0000-U+001F, U+007F). */
export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
