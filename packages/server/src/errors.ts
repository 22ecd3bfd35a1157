import { TruseraError } from "@trusera/core";

/**
 * An error with an HTTP status and a stable code, answered as
 * `{ "error": { "code": "...", "message": "...", "details"?: [...] } }`.
 */
export class ApiError extends TruseraError {
  readonly statusCode: number;
  readonly details: unknown[] | undefined;

  constructor(statusCode: number, code: string, message: string, details?: unknown[]) {
    super(message, code);
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.details = details;
  }
}

export const unauthorized = (message = "missing or invalid API key: send Authorization: Bearer tsk_...") =>
  new ApiError(401, "unauthorized", message);
export const forbidden = (message: string) => new ApiError(403, "forbidden", message);
export const badRequest = (message: string, details?: unknown[]) =>
  new ApiError(400, "invalid_request", message, details);
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);

/** The server cannot start: the message says what is wrong and what to do (one line, no stack). */
export class StartupError extends TruseraError {
  constructor(message: string) {
    super(message, "TRUSERA_STARTUP");
    this.name = "StartupError";
  }
}
