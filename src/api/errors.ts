/**
 * Refusals of the SalesIQ-style API beyond the token checks: an unknown portal or object, or bad
 * input. Each names the numeric code Zoho profiles send (RESOURCE_ERROR_CODES).
 */
import { OAuthError } from '../core/errors.ts';

/** Names of RESOURCE_ERROR_CODES entries the API uses. */
export type ApiErrorCode = 'invalid_portal' | 'not_found' | 'invalid_input';

/** An API refusal: `invalid_request` on the wire in the rfc profile, a numeric code in zoho's. */
export class ApiError extends OAuthError {
  constructor(apiCode: ApiErrorCode, description: string, status: number) {
    super('invalid_request', description, { status, redirectable: false, resourceCode: apiCode });
  }
}

/** A portal that does not exist or that the token's user is not a member of: the same answer. */
export const unknownPortal = (screenName: string): ApiError =>
  new ApiError(
    'invalid_portal',
    `There is no portal named '${screenName.slice(0, 60)}' for this user.`,
    404,
  );

/** An unknown id or path inside a portal. */
export const notFound = (what: string): ApiError =>
  new ApiError('not_found', `${what} was not found.`, 404);

/** A bad parameter or body; `status` is what the rfc profile sends. */
export const invalidInput = (description: string, status = 400): ApiError =>
  new ApiError('invalid_input', description, status);
