/** `tollgate serve`: open the store, build the app, listen, print the URL (SPEC R10). */
import type { Command } from 'commander';
import { addConfigOptions, configFrom } from '../options.ts';

export function register(program: Command): void {
  addConfigOptions(program.command('serve').description('Run the authorization server.')).action(
    async (opts: Record<string, unknown>) => {
      const config = configFrom(opts);
      // Loaded here, not at the top, so other commands start without the server and drivers.
      const [{ openStore }, { listenDataCentres }, { ensureDemo, demoCredentialsFile }] =
        await Promise.all([
          import('../../store/open-store.ts'),
          import('../../server/data-centres.ts'),
          import('../demo.ts'),
        ]);
      const store = await openStore(config.db, {
        statementTimeoutMs: config.dbStatementTimeout,
        groupCommit: config.groupCommit === 'on',
      });
      let listening;
      try {
        listening = await listenDataCentres(config, store, config.host);
      } catch (error) {
        await store.close();
        throw error;
      }
      // The first data centre is the server's own; the others are printed below (SPEC R13.1).
      const [app] = listening.apps as [(typeof listening.apps)[number]];
      const url = listening.addresses[app.tollgate.dataCentre] as string;
      // SPEC R13.3: the first start creates a signing key (RSA generation takes a moment, so it
      // runs beside serving; a request that needs a key before then waits for the same one).
      void app.tollgate.keys.keys().catch((error: unknown) => {
        app.log.error({ err: error }, 'could not create or read the signing keys');
      });
      // Seed the demo before announcing the URL, so whoever acts on the line finds it ready.
      let demo;
      try {
        demo = config.demo
          ? await ensureDemo(store, config.db, app.tollgate.issuer, app.tollgate.now())
          : undefined;
      } catch (error) {
        // A server whose demo cannot be seeded is not what `--demo` promised: stop, say why.
        await listening.close();
        await store.close();
        throw new Error(
          `cannot set up the demo: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      process.stdout.write(
        `Tollgate is listening on ${url} (profile ${config.profile}, store ${store.sqlDialect})\n`,
      );
      if (listening.apps.length > 1) {
        for (const [name, dcUrl] of Object.entries(listening.addresses))
          process.stdout.write(`  data centre ${name}: ${dcUrl}\n`);
      }
      if (demo) {
        app.tollgate.setDemo(demo);
        process.stdout.write(
          [
            '',
            `  Open ${app.tollgate.issuer}/ to walk through the OAuth flow step by step.`,
            `  Demo user:  ${demo.email}  password: ${demo.password}`,
            `  Demo app:   client_id ${demo.clientId}`,
            `              client_secret ${demo.clientSecret}`,
            `              redirect_uri ${demo.redirectUri}`,
            `  Kept in:    ${demoCredentialsFile(config.db) ?? '(nowhere: this database is not a file)'}`,
            '',
          ].join('\n'),
        );
      }
      let closing = false;
      const shutdown = async (): Promise<void> => {
        if (closing) return;
        closing = true;
        // Stop accepting connections, let in-flight requests finish, then close the store.
        await listening.close();
        await store.close();
      };
      process.once('SIGTERM', () => void shutdown());
      process.once('SIGINT', () => void shutdown());
    },
  );
}
