/**
 * Closing without being held open by idle clients. Once a Node server is closing, it stops
 * checking its request timeouts, and connections that never sent a request are not "idle" to
 * `closeIdleConnections()`; one such connection (a load balancer's pre-opened pool, a stalled
 * client) kept `tollgate serve` from exiting after SIGTERM. Draining ends every connection with
 * no request in progress, and each busy one as soon as its response is sent.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionDrain {
  /** Ends idle connections now and busy ones once answered; call when closing starts. */
  drain(): void;
}

export function trackConnections(server: Server): ConnectionDrain {
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    if (draining) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    busy.add(socket);
    response.once('close', () => {
      busy.delete(socket);
      if (draining) socket.destroySoon();
    });
  });
  return {
    drain() {
      draining = true;
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
    },
  };
}
