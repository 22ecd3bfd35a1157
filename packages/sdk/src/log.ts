/** Where the SDK writes what it has to say. Defaults to the console with a `[Trusera]` prefix. */
export interface Logger {
  debug(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
}

const PREFIX = "[Trusera]";

/** Console logger: warnings always, debug lines only when `debug` is on. */
export function consoleLogger(debug: boolean): Logger {
  return {
    debug: debug
      ? (message, detail) =>
          detail === undefined ? console.debug(PREFIX, message) : console.debug(PREFIX, message, detail)
      : () => {},
    warn: (message, detail) =>
      detail === undefined ? console.warn(PREFIX, message) : console.warn(PREFIX, message, detail),
  };
}

/** Wraps a logger so that a throwing user logger never reaches the host application. */
export function safeLogger(logger: Logger): Logger {
  return {
    debug(message, detail) {
      try {
        logger.debug(message, detail);
      } catch {}
    },
    warn(message, detail) {
      try {
        logger.warn(message, detail);
      } catch {}
    },
  };
}
