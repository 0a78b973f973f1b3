/** Reading a bounded JSON request body. */
import type * as http from "node:http";

export const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult =
  | { ok: true; value: unknown }
  | { ok: false; statusCode: 400 | 413; error: string }
  /** The client went away; there is no one to answer. */
  | { ok: false; statusCode: 0; error: string };

export function readJsonBody(
  req: http.IncomingMessage,
  limit = MAX_BODY_BYTES,
): Promise<BodyResult> {
  const tooLarge: BodyResult = {
    ok: false,
    statusCode: 413,
    error: `request body over ${limit} bytes`,
  };
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult): void => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(tooLarge);
      else chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("error", (error) => finish({ ok: false, statusCode: 0, error: error.message }));
    req.on("close", () => finish({ ok: false, statusCode: 0, error: "request aborted" }));
    req.on("end", () => {
      try {
        finish({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      } catch {
        finish({ ok: false, statusCode: 400, error: "request body is not valid JSON" });
      }
    });
  });
}
