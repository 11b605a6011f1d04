/**
 * grant_type=urn:ietf:params:oauth:grant-type:device_code: a device polls the token endpoint
 * with its device code (RFC 8628 §3.4-§3.5; SPEC R13.2, rfc profile).
 */
import { offersDeviceFlow, pollDeviceAuthorization } from '../device-flow.ts';
import { checked, type Grant } from './types.ts';

export const deviceCodeGrant: Grant = {
  grantType: 'urn:ietf:params:oauth:grant-type:device_code',
  parameters: { required: ['device_code'], optional: [] },
  enabled: (ctx) => offersDeviceFlow(ctx, 'rfc8628'),
  handle: ({ ctx, params, client, profile, dpopJkt }) =>
    pollDeviceAuthorization(ctx, client.client, checked(params, 'device_code'), profile, dpopJkt),
};
