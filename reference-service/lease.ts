/**
 * The live trading lease (docs/service-contract.md, "Trading lease"): the right to trade live,
 * held by at most one bot. Its epoch is a fencing token: it grows by one on every acquisition, and
 * an order is recorded only if, in the order's own transaction, the lease is still held by that
 * bot with that epoch and has not expired. Two stores implement the same protocol: PostgreSQL (the
 * database both bots use; what the deploy stack runs) and a file (for a reference service run
 * without a database).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pg from "pg";

export interface LeaseGrant {
  epoch: number;
}

export interface SimulatedOrder {
  symbol: string;
  side: "buy" | "sell";
  quantity: number;
  price: number;
}

export interface TradingLease {
  readonly store: "postgres" | "file";
  /** Takes the lease if nobody holds it or its holder let it expire; undefined otherwise. */
  acquire(holder: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Extends the lease if `holder` still holds it with `epoch` and it has not expired. */
  renew(holder: string, epoch: number, ttlMs: number): Promise<boolean>;
  /** Frees the lease if `holder` holds it with `epoch`. */
  release(holder: string, epoch: number): Promise<boolean>;
  /** Records the order only while `holder` holds the lease with `epoch`, unexpired; false if not. */
  placeOrder(holder: string, epoch: number, order: SimulatedOrder): Promise<boolean>;
  close(): Promise<void>;
}

/** The one lease row: every bot of a deployment contends for it. */
export const LEASE_NAME = "live-trading";

/**
 * The tables, created by whichever bot starts first (an advisory lock makes concurrent starts
 * wait for each other). `trading_lease_history` has one row per epoch, for audits and drills.
 */
export const LEASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS trading_lease (
  name text PRIMARY KEY,
  holder text,
  epoch bigint NOT NULL DEFAULT 0,
  acquired_at timestamptz,
  expires_at timestamptz
);
INSERT INTO trading_lease (name) VALUES ('${LEASE_NAME}') ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS trading_lease_history (
  epoch bigint PRIMARY KEY,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL,
  released_at timestamptz
);
CREATE TABLE IF NOT EXISTS simulated_orders (
  id bigserial PRIMARY KEY,
  placed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  bot text NOT NULL,
  lease_epoch bigint NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL,
  quantity numeric NOT NULL,
  price numeric NOT NULL
);`;

const TTL = "($2::bigint * interval '1 millisecond')";

/** One UPDATE ... WHERE: free or expired, then taken with the next epoch (and logged). */
export const ACQUIRE_SQL = `
WITH taken AS (
  UPDATE trading_lease
     SET holder = $1, epoch = epoch + 1, acquired_at = clock_timestamp(),
         expires_at = clock_timestamp() + ${TTL}
   WHERE name = '${LEASE_NAME}' AND (holder IS NULL OR expires_at <= clock_timestamp())
  RETURNING epoch, holder, acquired_at
), logged AS (
  INSERT INTO trading_lease_history (epoch, holder, acquired_at)
  SELECT epoch, holder, acquired_at FROM taken
)
SELECT epoch FROM taken`;

export const RENEW_SQL = `
UPDATE trading_lease SET expires_at = clock_timestamp() + ($3::bigint * interval '1 millisecond')
 WHERE name = '${LEASE_NAME}' AND holder = $1 AND epoch = $2 AND expires_at > clock_timestamp()
RETURNING epoch`;

export const RELEASE_SQL = `
WITH freed AS (
  UPDATE trading_lease SET holder = NULL, expires_at = NULL
   WHERE name = '${LEASE_NAME}' AND holder = $1 AND epoch = $2
  RETURNING epoch
)
UPDATE trading_lease_history SET released_at = clock_timestamp()
 WHERE epoch IN (SELECT epoch FROM freed)
RETURNING epoch`;

/**
 * The order and the lease check in one statement. FOR SHARE locks the lease row for the
 * transaction, so a release or a takeover (an UPDATE of that row) waits until the order is
 * committed, and an order racing a takeover re-checks the row as updated and inserts nothing.
 */
export const ORDER_SQL = `
INSERT INTO simulated_orders (bot, lease_epoch, symbol, side, quantity, price)
SELECT $1, $2, $3, $4, $5, $6 FROM trading_lease
 WHERE name = '${LEASE_NAME}' AND holder = $1 AND epoch = $2 AND expires_at > clock_timestamp()
   FOR SHARE`;

export class PostgresLease implements TradingLease {
  readonly store = "postgres" as const;
  private ready?: Promise<void>;

  constructor(private readonly pool: pg.Pool) {}

  /** A pool on DATABASE_URL: short timeouts, so a bot that cannot reach the database stops trading live in time. */
  static open(databaseUrl: string): PostgresLease {
    // Loaded here: only a bot with a PostgreSQL lease needs the driver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const driver = require("pg") as typeof pg;
    const pool = new driver.Pool({
      connectionString: databaseUrl,
      max: 2,
      connectionTimeoutMillis: 2_000,
      statement_timeout: 2_000,
      idleTimeoutMillis: 30_000,
      application_name: "aitb-bot",
    });
    // An idle client's error (the server restarted) must not crash the bot; the next query reconnects.
    pool.on("error", () => undefined);
    return new PostgresLease(pool);
  }

  /** Creates the tables once, in a transaction of its own, under an advisory lock. */
  private schema(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock(7406235)");
        await client.query(LEASE_SCHEMA);
        await client.query("COMMIT");
        client.release();
      } catch (error) {
        // A client left in a failed transaction is not returned to the pool.
        client.release(error as Error);
        throw error;
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async acquire(holder: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    await this.schema();
    const result = await this.pool.query(ACQUIRE_SQL, [holder, Math.round(ttlMs)]);
    return result.rows.length === 1 ? { epoch: Number(result.rows[0].epoch) } : undefined;
  }

  async renew(holder: string, epoch: number, ttlMs: number): Promise<boolean> {
    const result = await this.pool.query(RENEW_SQL, [holder, epoch, Math.round(ttlMs)]);
    return result.rows.length === 1;
  }

  async release(holder: string, epoch: number): Promise<boolean> {
    const result = await this.pool.query(RELEASE_SQL, [holder, epoch]);
    return result.rows.length === 1;
  }

  async placeOrder(holder: string, epoch: number, order: SimulatedOrder): Promise<boolean> {
    const result = await this.pool.query(ORDER_SQL, [
      holder,
      epoch,
      order.symbol,
      order.side,
      order.quantity,
      order.price,
    ]);
    return result.rowCount === 1;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The file store's state: what the lease row holds. */
export interface FileLeaseState {
  holder: string | null;
  epoch: number;
  expiresAt: number | null;
}

export interface FileOrder extends SimulatedOrder {
  placedAt: number;
  bot: string;
  leaseEpoch: number;
}

const LOCK_STALE_MS = 5_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The same protocol on a file, for a reference service run without a database: `<file>` holds
 * the state (replaced by an atomic rename), `<file>.orders.jsonl` the orders with their epoch,
 * `<file>.history.jsonl` one line per acquisition and release. A lock file taken with O_EXCL
 * makes each operation one transaction; a lock left by a killed process is broken after 5 s.
 */
export class FileLease implements TradingLease {
  readonly store = "file" as const;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  get ordersFile(): string {
    return `${this.file}.orders.jsonl`;
  }

  get historyFile(): string {
    return `${this.file}.history.jsonl`;
  }

  private read(): FileLeaseState {
    try {
      return JSON.parse(fs.readFileSync(this.file, "utf8")) as FileLeaseState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return { holder: null, epoch: 0, expiresAt: null };
      }
      throw error;
    }
  }

  private write(state: FileLeaseState): void {
    const next = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(next, JSON.stringify(state));
    fs.renameSync(next, this.file);
  }

  private async locked<T>(body: (state: FileLeaseState) => T): Promise<T> {
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + 2 * LOCK_STALE_MS;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(lock, "wx"));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        try {
          if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS)
            fs.rmSync(lock, { force: true });
        } catch {
          // Removed meanwhile: try again.
        }
        if (Date.now() > deadline) throw new Error(`the lease lock ${lock} stayed taken`);
        await sleep(1);
      }
    }
    try {
      return body(this.read());
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }

  private held(state: FileLeaseState, holder: string, epoch: number): boolean {
    return state.holder === holder && state.epoch === epoch && (state.expiresAt ?? 0) > Date.now();
  }

  acquire(holder: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    return this.locked((state) => {
      const now = Date.now();
      if (state.holder !== null && (state.expiresAt ?? 0) > now) return undefined;
      const epoch = state.epoch + 1;
      this.write({ holder, epoch, expiresAt: now + ttlMs });
      fs.appendFileSync(
        this.historyFile,
        `${JSON.stringify({ epoch, holder, acquiredAt: now })}\n`,
      );
      return { epoch };
    });
  }

  renew(holder: string, epoch: number, ttlMs: number): Promise<boolean> {
    return this.locked((state) => {
      if (!this.held(state, holder, epoch)) return false;
      this.write({ ...state, expiresAt: Date.now() + ttlMs });
      return true;
    });
  }

  release(holder: string, epoch: number): Promise<boolean> {
    return this.locked((state) => {
      if (state.holder !== holder || state.epoch !== epoch) return false;
      this.write({ holder: null, epoch, expiresAt: null });
      fs.appendFileSync(
        this.historyFile,
        `${JSON.stringify({ epoch, holder, releasedAt: Date.now() })}\n`,
      );
      return true;
    });
  }

  placeOrder(holder: string, epoch: number, order: SimulatedOrder): Promise<boolean> {
    return this.locked((state) => {
      if (!this.held(state, holder, epoch)) return false;
      const line: FileOrder = { ...order, placedAt: Date.now(), bot: holder, leaseEpoch: epoch };
      fs.appendFileSync(this.ordersFile, `${JSON.stringify(line)}\n`);
      return true;
    });
  }

  async close(): Promise<void> {}
}

/**
 * The store AITB_TRADING_LEASE names: `postgres` (on DATABASE_URL) or `file:<path>`; none when
 * it is unset, and then the bot never trades live.
 */
export function openLease(
  setting: string | undefined,
  databaseUrl: string | undefined,
): TradingLease | undefined {
  if (setting === undefined || setting === "") return undefined;
  if (setting === "postgres") {
    if (!databaseUrl) {
      throw new Error(
        "AITB_TRADING_LEASE is postgres but DATABASE_URL is not set; set DATABASE_URL or use file:<path>",
      );
    }
    return PostgresLease.open(databaseUrl);
  }
  if (setting.startsWith("file:") && setting.length > "file:".length) {
    return new FileLease(path.resolve(setting.slice("file:".length)));
  }
  throw new Error(`AITB_TRADING_LEASE is "${setting}"; expected postgres or file:<path>`);
}
