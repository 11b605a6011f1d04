/**
 * A deadline for receiving a whole request. Node's `requestTimeout` stops counting once the
 * headers are in, so a client trickling its body a byte at a time held a connection (and its
 * memory) forever, well inside the idle timeout. Here the body, too, must arrive in time, or the
 * connection is answered 408 and closed (what Node does for slow headers).
 */
import type { FastifyInstance } from 'fastify';

const TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Closes any connection whose request body has not fully arrived `ms` after its headers. */
export function addRequestDeadline(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (!raw.complete) {
      const timer = setTimeout(() => {
        if (raw.complete || reply.raw.headersSent) return;
        request.log.info({ path: request.url.split('?')[0] }, 'request body too slow; connection closed');
        raw.socket.end(TIMEOUT_RESPONSE, () => raw.socket.destroy());
      }, ms);
      timer.unref();
      const clear = (): void => clearTimeout(timer);
      raw.once('end', clear);
      reply.raw.once('close', clear);
    }
    done();
  });
}
