/** A drill option out of range: names the option, the value and what is expected. */
export class DrillOptionError extends Error {}

export function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DrillOptionError(
      `${name} is ${value}; expected a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

export function requireNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new DrillOptionError(`${name} is ${value}; expected a number from ${min} to ${max}`);
  }
  return value;
}

/** The options as shown in a report: the caller's hooks left out. */
export function withoutHooks<T extends { log?: unknown; started?: unknown }>(
  options: T,
): Omit<T, "log" | "started"> {
  const shown: Partial<T> = { ...options };
  delete shown.log;
  delete shown.started;
  return shown as Omit<T, "log" | "started">;
}
