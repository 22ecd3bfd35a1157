import type { ServerConfig } from "../config.js";
import { StartupError } from "../errors.js";

/** The URL without its password, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

const PG_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is PostgreSQL running, on that host and port?)",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "the host is unreachable",
  "28P01": "the password was refused",
  "28000": "the role may not connect",
  "3D000": "the database does not exist (create it first)",
  "42501": "the role lacks a privilege the server needs (it creates its tables on start)",
};

/**
 * Turns what went wrong at start-up into one line that says what to do, or returns null when the error
 * is not one of the expected ones (those keep their stack: they are bugs).
 */
export function explainStartupError(err: unknown, config: ServerConfig): StartupError | null {
  if (err instanceof StartupError) return err;
  const e = err as NodeJS.ErrnoException & { syscall?: string };
  const code = typeof e?.code === "string" ? e.code : "";
  if (e?.syscall === "listen") {
    const where = `${config.host}:${config.port}`;
    if (code === "EADDRINUSE")
      return new StartupError(
        `port ${config.port} on ${config.host} is already in use (another trusera-server?): stop that process, or choose another port with --port (env TRUSERA_PORT; 0 picks a free one)`,
      );
    if (code === "EACCES")
      return new StartupError(`not allowed to listen on ${where}: choose a port above 1023 with --port`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      return new StartupError(
        `cannot listen on ${where}: ${config.host} is not an address of this machine; set --host (env TRUSERA_HOST)`,
      );
    return new StartupError(`cannot listen on ${where} (${code || e.message}); check --host and --port`);
  }
  if (config.databaseUrl) {
    const reason = PG_REASONS[code];
    if (reason || /timeout|connect/i.test(e?.message ?? ""))
      return new StartupError(
        `cannot use PostgreSQL at ${redactDatabaseUrl(config.databaseUrl)}: ${reason ?? e.message}; check --database-url (env DATABASE_URL / TRUSERA_DATABASE_URL)`,
      );
  } else if (
    ["EACCES", "EPERM", "EROFS", "ENOSPC", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_FULL"].includes(code)
  ) {
    return new StartupError(
      `cannot use the data directory ${config.dataDir} (${code}: ${e.message}); choose a directory you can write to with --data-dir (env TRUSERA_DATA_DIR)`,
    );
  }
  return null;
}
