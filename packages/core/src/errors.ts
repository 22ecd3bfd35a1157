const BRAND = Symbol.for("trusera.error");

/**
 * The root of every error Trusera code raises on purpose. Each subclass has a stable `code` users can
 * match on. `instanceof` works across two copies of the package (an app that bundles one and loads
 * another) because the check uses a registered symbol, not the class identity.
 */
export class TruseraError extends Error {
  readonly code: string;

  constructor(message: string, code = "TRUSERA_ERROR", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TruseraError";
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[BRAND] !== true)
      return false;
    // A copy of the class from another copy of the package: match by class name along the chain.
    const wanted = this.name;
    for (let p = Object.getPrototypeOf(value); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
      if (p.constructor?.name === wanted) return true;
    }
    return false;
  }
}

/** Thrown at construction or install when options are wrong; the message says which and how to fix it. */
export class ConfigurationError extends TruseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "TRUSERA_CONFIG", options);
    this.name = "ConfigurationError";
  }
}

/** Raised where invalid input must stop the caller (a bad policy file, a bad receipt); `problems` lists every fault. */
export class ValidationError extends TruseraError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], what = "value") {
    super(`Invalid ${what}: ${problems.join("; ")}`, "TRUSERA_INVALID");
    this.name = "ValidationError";
    this.problems = problems;
  }
}

/** The state directory (keys, receipts, config) cannot be read or written as needed. */
export class StateError extends TruseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "TRUSERA_STATE", options);
    this.name = "StateError";
  }
}
