/**
 * The one way Tollgate fetches a URL a client gave it (Client ID Metadata Documents, SPEC R14.4),
 * guarded against server-side request forgery: the host name is resolved first, every address
 * it resolves to is checked, and the connection is pinned to the checked address, so a DNS
 * answer that changes between the check and the connection (DNS rebinding) cannot reach a
 * private address. No redirects are followed, the body is capped, and the whole fetch, the
 * connection included, has a deadline.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Why a fetch was refused; `code` is stable, `message` is for people. */
export class SafeFetchError extends Error {
  readonly code:
    | 'bad_url'
    | 'private_address'
    | 'dns_failed'
    | 'timeout'
    | 'too_large'
    | 'redirect'
    | 'http_status'
    | 'network';
  constructor(code: SafeFetchError['code'], message: string) {
    super(message);
    this.name = 'SafeFetchError';
    this.code = code;
  }
}

/** Resolves a host name to every address it has (the default is the system resolver). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface SafeFetchOptions {
  /** The whole fetch, connection included, in milliseconds. */
  timeoutMs: number;
  /** The largest body accepted, in bytes. */
  maxBytes: number;
  /** Allow loopback, private and link-local addresses (tests and local development only). */
  allowPrivate: boolean;
  /** For tests of the resolution rules; the system resolver by default. */
  resolve?: Resolver;
}

export interface SafeFetchResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** The address the connection went to (the one that was checked). */
  address: string;
}

/**
 * Addresses no client-supplied URL may reach: "this network", private (RFC 1918), shared
 * (RFC 6598), loopback, link-local (cloud metadata services live there), benchmarking,
 * multicast and reserved ranges; IPv6 loopback, unspecified, unique-local, link-local and
 * multicast. IPv4-mapped and NAT64 IPv6 addresses are checked as the IPv4 address they carry.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1] as string, 16);
  const lo = parseInt(hex[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Whether an address is loopback, private, link-local or otherwise not on the public Internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address);
  return v4 !== undefined ? BLOCKED.check(v4, 'ipv4') : BLOCKED.check(address, 'ipv6');
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Resolves the host and checks every address; returns the one to connect to. */
async function checkedAddress(
  hostname: string,
  options: SafeFetchOptions,
): Promise<{ address: string; family: number }> {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  let addresses: { address: string; family: number }[];
  if (isIP(bare) !== 0) addresses = [{ address: bare, family: isIP(bare) }];
  else {
    try {
      addresses = await (options.resolve ?? systemResolver)(bare);
    } catch {
      throw new SafeFetchError('dns_failed', `The host ${bare} could not be resolved.`);
    }
  }
  if (addresses.length === 0)
    throw new SafeFetchError('dns_failed', `The host ${bare} has no address.`);
  if (!options.allowPrivate) {
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked)
      throw new SafeFetchError(
        'private_address',
        `The host ${bare} resolves to a private, loopback or link-local address (${blocked.address}).`,
      );
  }
  return addresses[0] as { address: string; family: number };
}

/**
 * GETs a URL under the guard. Only http and https; the caller decides which it accepts.
 * @throws SafeFetchError for every refusal and failure.
 */
export async function safeFetch(
  url: URL,
  options: SafeFetchOptions,
  accept = 'application/json',
): Promise<SafeFetchResponse> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SafeFetchError('bad_url', 'Only http and https URLs can be fetched.');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const pinned = await Promise.race([
      checkedAddress(url.hostname, options),
      new Promise<never>((_resolve, reject) =>
        controller.signal.addEventListener('abort', () =>
          reject(new SafeFetchError('timeout', `No answer within ${options.timeoutMs} ms.`)),
        ),
      ),
    ]);
    // The connection goes to the checked address, whatever DNS says now.
    const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
      if (lookupOptions.all) callback(null, [pinned]);
      else callback(null, pinned.address, pinned.family);
    };
    return await new Promise<SafeFetchResponse>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'GET',
          lookup,
          signal: controller.signal,
          headers: { accept, 'user-agent': 'Tollgate' },
          // TLS checks the certificate against the URL's host name, not the pinned address.
          ...(url.protocol === 'https:' && isIP(url.hostname) === 0
            ? { servername: url.hostname }
            : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            res.destroy();
            reject(new SafeFetchError('redirect', `The URL answered with a redirect (${status}).`));
            return;
          }
          const declared = Number(res.headers['content-length'] ?? NaN);
          if (declared > options.maxBytes) {
            res.destroy();
            reject(tooLarge(options.maxBytes));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxBytes) {
              res.destroy();
              reject(tooLarge(options.maxBytes));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              address: pinned.address,
            }),
          );
          res.on('error', (error) => reject(networkError(error, controller, options)));
        },
      );
      req.on('error', (error) => reject(networkError(error, controller, options)));
      req.end();
    });
  } finally {
    clearTimeout(timer);
  }
}

const tooLarge = (maxBytes: number): SafeFetchError =>
  new SafeFetchError('too_large', `The document is larger than ${maxBytes} bytes.`);

function networkError(
  error: Error,
  controller: AbortController,
  options: SafeFetchOptions,
): SafeFetchError {
  if (error instanceof SafeFetchError) return error;
  if (controller.signal.aborted)
    return new SafeFetchError('timeout', `No answer within ${options.timeoutMs} ms.`);
  return new SafeFetchError('network', `The URL could not be fetched (${error.message}).`);
}
