/**
 * The emulator controls of a `tollgate/testing` handle (SPEC R11.4, R12): the same clock, fault
 * rules and request log as `/_emulator/`, as methods.
 */
import { readDuration } from '../core/clock.ts';
import { TollgateError } from '../core/errors.ts';
import {
  FaultInputError,
  parseFaultInput,
  type FaultInput,
  type FaultRule,
} from '../core/faults.ts';
import type { LoggedRequest, RequestFilter } from '../core/request-log.ts';
import type { ServerContext } from '../server/context.ts';
import type { Emulator } from '../server/emulator/emulator.ts';

/** The handle's clock. Durations are seconds, or text like `90s`, `5m`, `1h`, `2d`. */
export interface EmulatorClockControl {
  /** The server's time, in Unix milliseconds. */
  now(): number;
  /** How far the server's clock is ahead of real time, in milliseconds. */
  offsetMs(): number;
  /** Moves time forward. */
  advance(duration: number | string): void;
  /** Sets the time (it keeps running from there). */
  set(time: number | Date): void;
  /** Back to real time. */
  reset(): void;
}

export interface EmulatorFaultControl {
  /** Adds a rule (the JSON of `POST /_emulator/faults`) and returns its id. */
  add(rule: FaultInput): string;
  /** The rules in force, with what is left of `times`. */
  list(): FaultRule[];
  remove(id: string): boolean;
  clear(): void;
}

export interface EmulatorRequestControl {
  /** The logged requests, oldest first (the last 1,000 are kept). */
  list(filter?: RequestFilter): LoggedRequest[];
  clear(): void;
}

/**
 * Seconds from a number of seconds or text like `90s`, `5m`, `1h`, `2d` (or a sum, `1h30m`).
 * @throws TollgateError for anything else.
 */
export function parseDuration(duration: number | string): number {
  const seconds = readDuration(duration);
  if (seconds === undefined)
    throw new TollgateError(
      'testing_usage',
      `clock.advance(): ${JSON.stringify(duration)} is not a duration (seconds, or like 90s, 5m, 1h, 2d).`,
    );
  return seconds;
}

/** The handle's `clock`, `faults` and `requests`. */
export function emulatorControls(ctx: ServerContext): {
  clock: EmulatorClockControl;
  faults: EmulatorFaultControl;
  requests: EmulatorRequestControl;
} {
  const emulator = (): Emulator => {
    if (!ctx.emulator)
      throw new TollgateError(
        'testing_usage',
        'The emulator controls are off: start with startTollgate({ emulator: true }).',
      );
    return ctx.emulator;
  };
  return {
    clock: {
      now: () => ctx.clock.now(),
      offsetMs: () => ctx.clock.offsetMs,
      advance(duration) {
        emulator();
        ctx.clock.advance(Math.round(parseDuration(duration) * 1000));
      },
      set(time) {
        emulator();
        const ms = time instanceof Date ? time.getTime() : time;
        if (!Number.isFinite(ms))
          throw new TollgateError('testing_usage', 'clock.set(): expected a Date or epoch ms.');
        ctx.clock.set(ms);
      },
      reset() {
        emulator();
        ctx.clock.reset();
      },
    },
    faults: {
      add(rule) {
        try {
          return emulator().faults.add(parseFaultInput(rule)).id;
        } catch (error) {
          if (error instanceof FaultInputError)
            throw new TollgateError('testing_usage', `faults.add(): ${error.message}`);
          throw error;
        }
      },
      list: () => emulator().faults.list(),
      remove: (id) => emulator().faults.remove(id),
      clear: () => emulator().faults.clear(),
    },
    requests: {
      list: (filter) => emulator().log.list(filter),
      clear: () => emulator().log.clear(),
    },
  };
}
