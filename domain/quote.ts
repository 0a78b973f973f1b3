/*
 * Quoting for the two languages config values can reach: a POSIX shell (the scripts the Docker
 * and loopback targets run, and the commands the CLI prints) and nginx (the proxy's site).
 * Values should first be refused by the schema's patterns (config/schema.ts); quoting is the
 * second line, so a value that does get through stays one inert word.
 */

/** Characters a POSIX shell takes literally in an unquoted word (no expansion, no splitting). */
const SHELL_PLAIN = /^[\w@%+=:,./-]+$/;

/**
 * One argument for a POSIX shell (`sh`, `bash`, `dash`): unchanged when it is a plain word,
 * otherwise in single quotes, where nothing is expanded, with each `'` written as `'\''`.
 * The empty string becomes `''`. NUL cannot be passed in a shell argument at all, so it throws.
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error("a shell argument cannot hold a NUL character");
  return SHELL_PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line of arguments, each quoted for a POSIX shell. */
export function commandLine(args: readonly string[]): string {
  return args.map(shellQuote).join(" ");
}

/**
 * The words of a command line as a POSIX shell splits them, for the lines `commandLine` prints:
 * plain words, '...' quoting and `\` escapes, up to a `#` comment. The inverse of `commandLine`.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (char === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "#" && word === undefined) {
      break;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Characters nginx reads as one literal token, without quotes and without variables. */
const NGINX_PLAIN = /^[A-Za-z0-9._~:/@%+=,*-]+$/;

/**
 * One nginx directive argument that is data, never syntax: a plain token as it is, anything else
 * in double quotes with `\` and `"` escaped (nginx's tokenizer, ngx_conf_read_token in
 * nginx/nginx src/core/ngx_conf_file.c, ends a quoted argument only at an unescaped `"`). `$` is
 * refused: directives that take variables compile `$name` inside quotes too
 * (src/http/ngx_http_script.c). Control characters, line breaks included, are refused: no site
 * value needs one.
 */
export function nginxQuote(value: string): string {
  if (NGINX_PLAIN.test(value)) return value;
  if (value.includes("$"))
    throw new Error(`nginx value ${JSON.stringify(value)}: "$" would be expanded as a variable`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new Error(`nginx value ${JSON.stringify(value)}: control characters are not allowed`);
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}
