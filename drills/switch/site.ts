import { assertLoopback } from "../loopback";

/**
 * The generated site listens on a port on every address (`listen 80;`), as a proxy container
 * does. The drill binds it to the loopback address instead, its only change to the site.
 */
export function listenOnLoopback(site: string, host: string): string {
  assertLoopback(host, "the proxy's address");
  const listen = /^( {4}listen )(\d+);$/gm;
  const matches = site.match(listen) ?? [];
  if (matches.length !== 1) {
    throw new Error(`expected one "listen <port>;" in the generated site, found ${matches.length}`);
  }
  return site.replace(listen, `$1${host}:$2;`);
}
