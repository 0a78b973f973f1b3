/** An instant as the stack files write it: ISO-8601 UTC, without zero milliseconds. */
export function isoInstant(instant: Date): string {
  return instant.toISOString().replace(".000Z", "Z");
}

/** The clock to whole seconds: change records and history entries need no milliseconds. */
export function clockToTheSecond(now: Date = new Date()): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000);
}
