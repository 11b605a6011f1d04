/**
 * The codes of the device authorization flow (RFC 8628 §6.1, SPEC R13.2): a long random device
 * code for the device, and a short user code a person types. User codes use 20 consonants with
 * no vowels (no words, nothing read as another letter), 8 of them shown as `XXXX-XXXX`
 * (34.5 bits), and are compared without case, spaces or dashes. Only hashes are stored.
 */
import { randomInt } from 'node:crypto';
import { generateToken, hashSecret } from './ids.ts';

const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

/** Wrong user codes a person may type before the page stops taking codes (SPEC R13.2). */
export const MAX_WRONG_USER_CODES = 5;

/** A new device code (Zoho's token shape) and user code. */
export function generateDeviceCodes(): { deviceCode: string; userCode: string } {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++)
    code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return { deviceCode: generateToken(), userCode: `${code.slice(0, 4)}-${code.slice(4)}` };
}

/** A typed user code in its one canonical form, or undefined when it cannot be one. */
export function normalizeUserCode(typed: string): string | undefined {
  if (typed.length > 40) return undefined;
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  return [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}

/** How a user code is stored (of its canonical form, apart from every other hash). */
export function hashUserCode(normalized: string): string {
  return hashSecret(`user-code:${normalized}`);
}

/**
 * The hash of the authorization code an approval writes, derived from the device code's hash:
 * the page that approves knows only that hash, and the poll finds the code from the device code.
 */
export function deviceGrantCodeHash(deviceCodeHash: string): string {
  return hashSecret(`device-grant:${deviceCodeHash}`);
}
