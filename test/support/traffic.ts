/**
 * Client traffic through a proxy while the engine switches colors: a few keep-alive clients that
 * each send one request after another and record which color answered, and when.
 */
import * as http from "node:http";
import type { Color } from "../../domain/colors";
import { get } from "./engine";

export interface Answer {
  at: number;
  color?: Color;
  error?: string;
}

export interface TrafficRun {
  stop(): Promise<Answer[]>;
}

function colorOf(body: string): Color | undefined {
  try {
    const color = (JSON.parse(body) as { color?: unknown }).color;
    return color === "blue" || color === "green" ? color : undefined;
  } catch {
    return undefined;
  }
}

/** `clients` keep-alive loops on `url`, each pausing `pauseMs` between requests. */
export function startTraffic(url: string, clients = 4, pauseMs = 10): TrafficRun {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const answers: Answer[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      try {
        const answer = await get(url, agent, 5_000);
        const color = colorOf(answer.body);
        answers.push(
          answer.status === 200 && color
            ? { at: Date.now(), color }
            : { at: Date.now(), error: `HTTP ${answer.status}: ${answer.body.slice(0, 120)}` },
        );
      } catch (error) {
        answers.push({ at: Date.now(), error: (error as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return answers.sort((a, b) => a.at - b.at);
    },
  };
}

/** When the first answer of `color` came, and when the last answer of the other color came. */
export function firstAnswerOf(answers: Answer[], color: Color): number | undefined {
  return answers.find((answer) => answer.color === color)?.at;
}

export function lastAnswerOf(answers: Answer[], color: Color): number | undefined {
  return [...answers].reverse().find((answer) => answer.color === color)?.at;
}
