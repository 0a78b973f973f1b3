/**
 * The grammar of every config string that reaches a generated artifact (an nginx site, a shell
 * step, a container's env, an Azure resource name): a strict pattern per kind, with a message
 * that says what is expected. What passes is still quoted by domain/quote.ts where it reaches
 * nginx or a shell; the grammar keeps the value meaningful, the quoting keeps it inert.
 */
import { z } from "zod";

/** No NUL, no control character other than tab, newline and carriage return, no bidirectional override. */
const CONTROL = /(?![\t\n\r])[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** An environment variable name (POSIX: letters, digits, underscore, not starting with a digit). */
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an env name such as "MAX_POSITION_USD"');

/** An env value: any text without NUL or control characters (newlines are kept for PEM-like values). */
export const envValue = z
  .string()
  .max(32_768)
  .refine((value) => !CONTROL.test(value), {
    message: "expected text without NUL, control or bidirectional-override characters",
  });

/** An absolute file path in a container: `/seg/seg`, no `.` or `..` segments, no spaces or quotes. */
export const containerPath = z
  .string()
  .regex(
    /^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/,
    'expected an absolute path of [A-Za-z0-9._-] segments, such as "/etc/aitb/risk.yaml"',
  );

/** A local folder (relative or absolute): path characters only, no `..` segment. */
export const localPath = z
  .string()
  .min(1)
  .regex(
    /^(\/|\.\/|\.\.\/)?[A-Za-z0-9_.][A-Za-z0-9._/-]*$/,
    'expected a folder path of [A-Za-z0-9._/-] characters, such as "./.aitb/backups" or "/var/lib/aitb"',
  )
  .refine((value) => !/(^|\/)\.\.(\/|$)/.test(value.replace(/^\.\.\//, "")), {
    message: 'expected a path without ".." segments inside it',
  });

/** A PostgreSQL role name (also a valid Azure administrator login). */
export const postgresRole = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a PostgreSQL role name such as "aitb"')
  .refine((value) => !/^(azure_|pg_)|^(admin|administrator|root|guest|public)$/.test(value), {
    message:
      'expected a role name Azure accepts as administrator login (not "admin", "root", "guest", "public" or pg_/azure_ prefixed)',
  });

/** A PostgreSQL major version. */
export const postgresVersion = z
  .string()
  .regex(/^\d{2}$/, 'expected a PostgreSQL major version such as "15"');

/** An Azure SKU name such as Standard_D2ds_v5. */
export const azureSku = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{1,63}$/, 'expected an Azure SKU name such as "Standard_D2ds_v5"');

/** An Azure region name (`az account list-locations`): lower-case letters and digits. */
export const azureLocation = z
  .string()
  .regex(/^[a-z][a-z0-9]{1,39}$/, 'expected an Azure region such as "eastus" or "westeurope"');

/**
 * A resource group name: 1-90 of letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftresources).
 */
export const azureResourceGroup = z
  .string()
  .regex(
    /^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$/,
    "expected a resource group name of 1-90 letters, digits, _ - . ( ), not ending in a period",
  );

/** A Microsoft Entra object or tenant id. */
export const guid = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'expected a GUID such as "00000000-0000-0000-0000-000000000000"',
  );

/** A Docker network (or other object) name: the Docker daemon's `[a-zA-Z0-9][a-zA-Z0-9_.-]`. */
export const dockerName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'expected a Docker name such as "aitb"');

/** A server name (PostgreSQL flexible server, or a local server's label). */
export const serverName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    'expected a server name of 3-63 lower-case letters, digits and hyphens, such as "aitb-prod-db"',
  );

/** A registry's login server, such as aitbprod.azurecr.io: a DNS name. */
export const registryServer = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
    'expected a registry login server such as "aitbprod.azurecr.io"',
  );

/** Longest free text of a change record (reason, incident, requestedBy). */
export const CHANGE_TEXT_MAX = 200;

/**
 * Characters a record's free text may not hold: control characters (a line break would forge a
 * second line in a log or a notice) and the bidirectional overrides and isolates U+202A-U+202E,
 * U+2066-U+2069, which make a reviewer read other text than the one stored.
 */
const UNSAFE_TEXT = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** One line of plain text (a change record's reason, a release's notes), bounded. */
export function recordText(what: string, max = CHANGE_TEXT_MAX) {
  return z
    .string()
    .trim()
    .min(1, what)
    .max(max, `expected at most ${max} characters`)
    .refine((text) => !UNSAFE_TEXT.test(text), {
      message:
        "expected one line of plain text: no line breaks, control characters or bidirectional overrides (U+202A-U+202E, U+2066-U+2069)",
    });
}
