/** Quoting for a POSIX shell lives in one place: domain/quote.ts. */
export { shellQuote, commandLine } from "../../domain/quote";
