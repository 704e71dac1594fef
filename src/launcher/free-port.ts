// Asks the kernel for a TCP port that is free right now on a given address.
import net from 'node:net';

/** A port nobody listens on at this moment; another process may still take it before the caller binds it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
