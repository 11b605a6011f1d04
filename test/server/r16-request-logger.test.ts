/**
 * SPEC R16: each request's pino child (bound to its request id) is made when the request first
 * writes a line at an enabled level, not for every request (src/server/request-logger.ts). The
 * lines themselves are unchanged: the request id, the redaction, the level.
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { pino, type ChildLoggerOptions, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loggerOptions } from '../../src/server/logging.ts';
import { lazyChildLogger } from '../../src/server/request-logger.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { sqliteKind } from '../helpers/stores.ts';

function parentLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const parent = pino(loggerOptions(level), {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { parent, lines, child: vi.spyOn(parent, 'child') };
}

const requestLogger = (parent: Logger, options: ChildLoggerOptions = {}) =>
  lazyChildLogger.call(
    {} as FastifyInstance,
    parent,
    { reqId: 'req-1' },
    options,
    {} as IncomingMessage,
  );

describe('R16: a request logger is made at its first written line', () => {
  it('R16: lines below the level make no child; the first enabled line makes one, reused after', () => {
    const { parent, lines, child } = parentLogger('warn');
    const log = requestLogger(parent);
    log.info({ path: '/oauth/user/info' }, 'request');
    log.debug('detail');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    log.warn({ body: { password: 'hunter2' } }, 'first');
    log.error('second');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.level])).toEqual([
      ['req-1', 'first', 40],
      ['req-1', 'second', 50],
    ]);
    expect(lines[0]?.body).toEqual({ password: '[redacted]' });
  });

  it('R16: its level follows the parent until set, then the child holds it', () => {
    const { parent, lines } = parentLogger('warn');
    const log = requestLogger(parent);
    expect(log.level).toBe('warn');
    log.level = 'debug';
    log.debug('now written');
    expect(parent.level).toBe('warn');
    expect(lines.map((l) => l.msg)).toEqual(['now written']);
    expect(log.child({ step: 2 }).level).toBe('debug');
  });

  it('R16: a route with a level of its own gets its child at once, as by default', () => {
    const { parent, child } = parentLogger('warn');
    const log = requestLogger(parent, { level: 'trace' });
    expect(child).toHaveBeenCalledTimes(1);
    expect(log.level).toBe('trace');
  });

  describe('in the server', () => {
    const lines: Record<string, unknown>[] = [];
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(
        sqliteKind,
        { logLevel: 'info' },
        { logStream: { write: (line) => void lines.push(JSON.parse(line)) } },
      );
    });
    afterAll(() => server.close());

    it("R16: each request's line carries its own request id", async () => {
      for (const path of ['/health', '/oauth/user/info', '/nowhere']) {
        await fetch(`${server.url}${path}`);
      }
      const requests = lines.filter((l) => l.msg === 'request');
      expect(requests.map((l) => l.path)).toEqual(['/health', '/oauth/user/info', '/nowhere']);
      const ids = requests.map((l) => l.reqId);
      expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
      expect(new Set(ids).size).toBe(3);
    });
  });
});
