/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728, Tollgate's SPEC R14.2): the document that
 * tells a client (an MCP client, say) which authorization server issues tokens for this API,
 * where it is published, and the `WWW-Authenticate` hint that points at it.
 */

/** What describes a protected resource. */
export interface ProtectedResourceOptions {
  /**
   * The resource's identifier: the URL clients call and send as `resource` (RFC 8707), e.g.
   * `https://mcp.example.com/mcp`. Tokens must name it in their audience.
   */
  resource: string;
  /** The issuers of the authorization servers that issue tokens for it (Tollgate's URL). */
  authorizationServers: readonly string[];
  /** The scopes this resource understands. */
  scopesSupported?: readonly string[];
  /** A human-readable name. */
  resourceName?: string;
  /** Where people can read about the API. */
  resourceDocumentation?: string;
  /** JWS algorithms accepted in DPoP proofs (RFC 9449); omit when DPoP is not checked. */
  dpopSigningAlgValuesSupported?: readonly string[];
}

/** The metadata document (RFC 9728 §2). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
  dpop_signing_alg_values_supported?: string[];
}

/** The well-known suffix of RFC 9728 §3. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The path the document is served at: the well-known suffix inserted between the host and the
 * resource's path (RFC 9728 §3.1), e.g. `/.well-known/oauth-protected-resource/mcp` for
 * `https://mcp.example.com/mcp`; the bare suffix for a resource without a path.
 */
export function protectedResourceMetadataPath(resource: string): string {
  const { pathname } = new URL(resource);
  return pathname === '/'
    ? PROTECTED_RESOURCE_WELL_KNOWN
    : `${PROTECTED_RESOURCE_WELL_KNOWN}${pathname.replace(/\/+$/, '')}`;
}

/** The absolute URL of the document, sent as `resource_metadata` in `WWW-Authenticate`. */
export function protectedResourceMetadataUrl(resource: string): string {
  return new URL(protectedResourceMetadataPath(resource), resource).toString();
}

/**
 * The paths a server should answer with the document: the path-suffixed form of RFC 9728 §3.1,
 * and the bare well-known path (clients that only know the origin try it).
 */
export function protectedResourceMetadataPaths(resource: string): string[] {
  return [...new Set([protectedResourceMetadataPath(resource), PROTECTED_RESOURCE_WELL_KNOWN])];
}

/**
 * Builds the document. Tokens travel only in the Authorization header here (RFC 6750 §2.1;
 * never in a query string), so `bearer_methods_supported` is `["header"]`.
 * @see RFC 9728 §2
 */
export function protectedResourceMetadata(
  options: ProtectedResourceOptions,
): ProtectedResourceMetadata {
  return {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    bearer_methods_supported: ['header'],
    ...(options.scopesSupported ? { scopes_supported: [...options.scopesSupported] } : {}),
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation
      ? { resource_documentation: options.resourceDocumentation }
      : {}),
    ...(options.dpopSigningAlgValuesSupported
      ? { dpop_signing_alg_values_supported: [...options.dpopSigningAlgValuesSupported] }
      : {}),
  };
}
