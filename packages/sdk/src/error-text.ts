import { redactText } from "@trusera/core";

/** An error as one line for an event, with anything secret-shaped in it redacted. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text =
      typeof code === "string" && !error.message.includes(code)
        ? `${error.name}: ${error.message} (${code})`
        : `${error.name}: ${error.message}`;
    return redactText(text);
  }
  return redactText(String(error));
}
