/**
 * Closing without being held open by idle clients. Once a Node server is closing, it stops
 * checking its request timeouts, and connections that never sent a request are not "idle" to
 * `closeIdleConnections()`; one such connection (a load balancer's pre-opened pool, a stalled
 * client) kept `tollgate serve` from exiting after SIGTERM. Draining ends every connection with
 * no request in progress, and each busy one as soon as its response is sent.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

export interface ConnectionDrain {
  /** Ends idle connections now and busy ones once answered; call when closing starts. */
  drain(): void;
}

/** A TCP connection's two ends: the same for a TLS socket and the connection beneath it. */
const ends = (socket: Socket): string =>
  `${socket.remoteAddress}|${socket.remotePort}|${socket.localAddress}|${socket.localPort}`;

export function trackConnections(server: Server): ConnectionDrain {
  // Each connection requests arrive on, with the response of its latest request (none yet:
  // undefined). A connection is busy while that response is unfinished. Recorded with one map
  // write per request, no listener (SPEC R16); listeners are added only once draining starts.
  const sockets = new Map<Socket, ServerResponse | undefined>();
  // Over HTTPS, requests arrive on the TLS socket made once the handshake is done, not on the
  // TCP connection beneath it; until then the connection waits here, by its two ends.
  const overTls = server instanceof TlsServer;
  const handshaking = new Map<string, Socket>();
  let draining = false;
  const endAfter = (socket: Socket, response: ServerResponse): void => {
    response.once('close', () => socket.destroySoon());
  };
  const track = (socket: Socket): void => {
    sockets.set(socket, undefined);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', (socket: Socket) => {
    if (draining) return void socket.destroy();
    if (!overTls) return track(socket);
    const key = ends(socket);
    handshaking.set(key, socket);
    socket.once('close', () => {
      if (handshaking.get(key) === socket) handshaking.delete(key);
    });
  });
  if (overTls)
    server.on('secureConnection', (socket: Socket) => {
      handshaking.delete(ends(socket));
      if (draining) return void socket.destroy();
      track(socket);
    });
  server.on('request', (request, response) => {
    const socket = request.socket;
    if (sockets.has(socket)) sockets.set(socket, response);
    if (draining) endAfter(socket, response);
  });
  return {
    drain() {
      draining = true;
      for (const socket of handshaking.values()) socket.destroy();
      for (const [socket, response] of sockets) {
        if (response === undefined || response.writableFinished) socket.destroy();
        else endAfter(socket, response);
      }
    },
  };
}
