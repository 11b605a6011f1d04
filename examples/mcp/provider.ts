/**
 * The smallest `OAuthClientProvider` the MCP SDK's client needs: it keeps the registration, the
 * PKCE verifier and the tokens in memory, and hands the authorization step to a function (a
 * browser in a real app; the testing handle or Chromium in the tests), which returns the code.
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

export interface MemoryProviderOptions {
  /** Where Tollgate sends the person back; the app registers it. */
  readonly redirectUri: string;
  /** The name the app registers with. */
  readonly clientName: string;
  /** Takes the person through the authorization URL; resolves with the code they brought back. */
  readonly authorize: (url: URL) => Promise<string>;
  /** Set: the client identifies itself by this metadata document URL (SPEC R14.4). */
  readonly clientMetadataUrl?: string;
}

export class MemoryProvider implements OAuthClientProvider {
  information: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  /** The last authorization URL the SDK built, and the code the person brought back. */
  authorizationUrl: URL | undefined;
  code: string | undefined;
  readonly clientMetadataUrl: string | undefined;
  constructor(private readonly options: MemoryProviderOptions) {
    this.clientMetadataUrl = options.clientMetadataUrl;
  }
  get redirectUrl(): string {
    return this.options.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName,
      redirect_uris: [this.options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.information = information;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrl = url;
    this.code = await this.options.authorize(url);
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
}
