// Where the server's log lines go: standard output, through a writer that can neither throw nor stall the
// server when whoever reads that output goes away (`trusera-server start | head -3`). pino's own
// destination wrote synchronously and threw EPIPE into whatever was logging (a request hook, the shutdown
// handler), which left requests unfinished and the shutdown waiting on them for ever.

let stdoutGone = false;
let guarded = false;

/** Once: a closed stdout or stderr ends our writes to it, never the process. */
export function guardStandardStreams(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on("error", () => {
    stdoutGone = true;
  });
  // Messages to people (the listening line, the first key) go to stderr; losing them must not kill the server.
  process.stderr.on("error", () => {});
}

/** A pino destination on standard output that drops lines once the reader has gone. */
export const logOutput = {
  write(line: string): void {
    if (stdoutGone) return;
    guardStandardStreams();
    process.stdout.write(line);
  },
};
