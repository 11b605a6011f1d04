/**
 * The SalesIQ-style REST API (SPEC R8, src/api/) mounted in this server: its store is the
 * server's database, its tokens are checked by the server's local verifier, and its errors are
 * rendered as resource errors in the server's profile.
 */
import { registerSalesIqApi } from '../../api/salesiq-api.ts';
import { salesIqStoreFor } from '../../store/open-store.ts';
import type { RouteModule } from '../routes.ts';

export const salesiqApiEndpoints: RouteModule = {
  owns: [{ prefix: '/api/', kind: 'resource' }],
  async register(app) {
    const ctx = app.tollgate;
    await registerSalesIqApi(app, {
      store: salesIqStoreFor(ctx.store),
      users: ctx.store,
      verifier: ctx.tokens,
      now: ctx.now,
      // DPoP proofs name the URL the client called: the api_domain (SPEC R14.7).
      publicOrigin: () => ctx.apiDomain,
    });
  },
};
