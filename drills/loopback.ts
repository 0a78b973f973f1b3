import { isIPv4 } from "node:net";

/** Raised before anything starts when a drill is pointed at an address off this machine. */
export class LoopbackError extends Error {}

/**
 * The drills start servers and send traffic; they do so on loopback only. Names are refused
 * too, since a name can resolve anywhere: the address must be an IPv4 literal in 127.0.0.0/8.
 */
export function assertLoopback(address: string, what: string): string {
  if (isIPv4(address) && address.split(".")[0] === "127") return address;
  throw new LoopbackError(
    `${what} is "${address}"; the drills run only on loopback: use an IPv4 loopback address such as 127.0.0.1`,
  );
}

/** The host of a URL the drill connects through (a database URL after a repoint, say). */
export function assertLoopbackUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoopbackError(
      `${what} is "${url}"; expected a URL such as postgres://aitb@127.0.0.1:5432/aitb`,
    );
  }
  assertLoopback(parsed.hostname, `${what} host`);
  return parsed;
}
