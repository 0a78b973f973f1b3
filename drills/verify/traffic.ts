import type { Color } from "../../domain/colors";
import { nowMs, sleep } from "../clock";

/** What answered a request through the proxy: the color the service named, or why none did. */
async function answeredBy(url: string): Promise<{ status: number; color?: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const text = await response.text();
    let color: string | undefined;
    try {
      color = (JSON.parse(text) as { color?: string }).color;
    } catch {
      // nginx's own error page: no service answered.
    }
    return { status: response.status, color };
  } catch {
    return { status: 0 };
  }
}

export interface ClientFigures {
  sent: number;
  /** Answers with status 200, by the color that answered. */
  ok: Record<Color, number>;
  failed: number;
}

export interface ClientLoop {
  stop(): Promise<ClientFigures>;
}

/**
 * A user's traffic through the proxy while the drill acts: one request at a time over `urls` in
 * turn, `pauseMs` apart. Light on purpose: it shows where requests go, not how fast.
 */
export function startClientLoop(urls: readonly string[], pauseMs: number): ClientLoop {
  const figures: ClientFigures = { sent: 0, ok: { blue: 0, green: 0 }, failed: 0 };
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const answer = await answeredBy(urls[i % urls.length]);
      figures.sent++;
      if (answer.status === 200 && (answer.color === "blue" || answer.color === "green")) {
        figures.ok[answer.color]++;
      } else {
        figures.failed++;
      }
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return figures;
    },
  };
}

/**
 * Waits until every URL answers 200 from `color`'s service; resolves with the time it did.
 * Throws after `timeoutMs`.
 */
export async function waitForColor(
  urls: readonly string[],
  color: Color,
  timeoutMs: number,
): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const answers = await Promise.all(urls.map(answeredBy));
    if (answers.every((a) => a.status === 200 && a.color === color)) return nowMs();
    if (nowMs() > deadline) {
      const seen = answers.map((a, i) => `${urls[i]}: ${a.status} ${a.color ?? "-"}`).join(", ");
      throw new Error(
        `traffic through the proxy did not reach ${color} in ${timeoutMs} ms: ${seen}`,
      );
    }
    await sleep(10);
  }
}
