/**
 * Redirect URI rules: what may be registered (SPEC R2) and what matches at authorization time
 * (SPEC R3.2: exact string equality; RFC 8252 §7.3: any port for a mobile app's loopback URI).
 */
import type { ClientType } from '../store/types.ts';
import { hasControlCharacters } from './text.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** Why a URI cannot be registered, or undefined when it can. */
export function redirectUriProblem(uri: string, type: ClientType): string | undefined {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  if (/[\s<>"`\\]/.test(uri) || hasControlCharacters(uri))
    return 'contains characters not allowed in a URI';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain a user name or password';
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (['javascript', 'data', 'vbscript', 'file', 'blob', 'about'].includes(scheme))
    return `may not use the ${scheme}: scheme`;
  if (scheme === 'https') return undefined;
  if (scheme === 'http') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : 'must use https (http is allowed only on a loopback host)';
  }
  // Private-use schemes (RFC 8252 §7.1) are for installed apps only, and must look like a reversed domain.
  if (type !== 'mobile') return 'must use https (or http on a loopback host)';
  return scheme.includes('.')
    ? undefined
    : 'a private-use scheme must be a reversed domain name, e.g. com.example.app';
}

/** Finds the registered URI a requested one matches, or undefined. */
export function matchRedirectUri(
  requested: string,
  registered: readonly string[],
  type: ClientType,
): string | undefined {
  if (registered.includes(requested)) return requested;
  if (type !== 'mobile') return undefined;
  let want: URL;
  try {
    want = new URL(requested);
  } catch {
    return undefined;
  }
  if (want.protocol !== 'http:' || !isLoopbackHost(want.hostname)) return undefined;
  return registered.find((r) => {
    try {
      const have = new URL(r);
      return (
        have.protocol === 'http:' &&
        have.hostname === want.hostname &&
        have.pathname === want.pathname &&
        have.search === want.search &&
        want.hash === '' &&
        !want.username &&
        !want.password
      );
    } catch {
      return false;
    }
  });
}
