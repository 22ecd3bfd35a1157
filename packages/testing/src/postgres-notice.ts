// vitest's globalSetup: says once per run, not once per test file, that the Postgres half is skipped.
import { POSTGRES_SKIP_MESSAGE, postgresTestUrl } from "./postgres.js";

export default function setup(): void {
  if (!postgresTestUrl()) console.warn(POSTGRES_SKIP_MESSAGE);
}
