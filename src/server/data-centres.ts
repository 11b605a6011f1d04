/**
 * Several data centres from one process and one store (SPEC R13.1): one app per data centre,
 * the first on `--port`, the next on `--port`+1, and so on (each on a free port when `--port`
 * is 0). They share the store, the clock and the emulator's faults and request log; each knows
 * every data centre's URL once all listen.
 */
import type { FastifyInstance } from 'fastify';
import { EmulatorClock } from '../core/clock.ts';
import { Emulator } from './emulator/emulator.ts';
import { dataCentresOf, type Config } from '../core/config.ts';
import { TollgateError } from '../core/errors.ts';
import type { Store } from '../store/types.ts';
import { buildApp, type BuildAppOptions } from './app.ts';

/** The apps of a process, one per data centre, listening. */
export interface DataCentreApps {
  /** In the order of `--data-centres`; the first is the server's own location. */
  apps: FastifyInstance[];
  /** Each data centre's URL, by name. */
  locations: Record<string, string>;
  /** Where each listens, by name (differs from `locations` when `--issuer` is set). */
  addresses: Record<string, string>;
  /** Stops every listener (in-flight requests finish first); the store stays open. */
  close(): Promise<void>;
}

/**
 * Builds and starts one app per data centre on `host`.
 * @throws TollgateError `startup_failed` when a port is taken (the others are closed again).
 */
export async function listenDataCentres(
  config: Config,
  store: Store,
  host: string,
  options: BuildAppOptions = {},
): Promise<DataCentreApps> {
  const clock = options.clock ?? new EmulatorClock();
  // One emulator for all: faults and the request log cover every data centre (SPEC R12, R13.1).
  const emulator = options.emulator ?? (config.emulator ? new Emulator() : undefined);
  const apps: FastifyInstance[] = [];
  const locations: Record<string, string> = {};
  const addresses: Record<string, string> = {};
  const close = async (): Promise<void> => {
    await Promise.all(apps.map((app) => app.close()));
  };
  const names = dataCentresOf(config);
  try {
    for (const [i, name] of names.entries()) {
      const app = await buildApp(config, store, {
        ...options,
        clock,
        dataCentre: name,
        ...(emulator ? { emulator } : {}),
      });
      apps.push(app);
      const port = config.port === 0 ? 0 : config.port + i;
      let address: string;
      try {
        address = await app.listen({ port, host });
      } catch (error) {
        if ((error as { code?: string }).code === 'EADDRINUSE' && names.length > 1)
          throw new TollgateError(
            'startup_failed',
            `port ${port} for data centre ${name} is already in use.`,
          );
        throw error;
      }
      const url = address.replace('://[::1]', '://localhost');
      app.tollgate.setListeningAddress(url);
      locations[name] = app.tollgate.issuer;
      addresses[name] = url;
    }
  } catch (error) {
    await close();
    throw error;
  }
  for (const app of apps) app.tollgate.setLocations(locations);
  return { apps, locations, addresses, close };
}
