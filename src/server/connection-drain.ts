/**
 * Closing without being held open by idle clients. Once a Node server is closing, it stops
 * checking its request timeouts, and connections that never sent a request are not "idle" to
 * `closeIdleConnections()`; one such connection (a load balancer's pre-opened pool, a stalled
 * client) kept `tollgate serve` from exiting after SIGTERM. Draining ends every connection with
 * no request in progress, and each busy one as soon as its response is sent.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionDrain {
  /** Ends idle connections now and busy ones once answered; call when closing starts. */
  drain(): void;
}

export function trackConnections(server: Server): ConnectionDrain {
  // Each open connection, with the response of its latest request (none yet: undefined). A
  // connection is busy while that response is unfinished. Recorded with one map write per
  // request, no listener (SPEC R16); listeners are added only once draining starts.
  const sockets = new Map<Socket, ServerResponse | undefined>();
  let draining = false;
  const endAfter = (socket: Socket, response: ServerResponse): void => {
    response.once('close', () => socket.destroySoon());
  };
  server.on('connection', (socket: Socket) => {
    if (draining) return void socket.destroy();
    sockets.set(socket, undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    if (sockets.has(socket)) sockets.set(socket, response);
    if (draining) endAfter(socket, response);
  });
  return {
    drain() {
      draining = true;
      for (const [socket, response] of sockets) {
        if (response === undefined || response.writableFinished) socket.destroy();
        else endAfter(socket, response);
      }
    },
  };
}
