/**
 * Reads stdin until it ends or holds one complete JSON value (so that a caller that never closes
 * stdin is still answered), then lets go of it so that it keeps nothing alive.
 */
export function readAll(stream: NodeJS.ReadableStream & { destroy?(): void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const finish = () => {
      stream.removeListener("data", onData);
      stream.destroy?.();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (c: Buffer | string) => {
      chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (!text.endsWith("}")) return;
      try {
        JSON.parse(text);
        finish();
      } catch {
        // Not complete yet.
      }
    };
    stream.on("data", onData);
    stream.on("end", finish);
    stream.on("error", reject);
  });
}

/** stdin, or "" once the deadline (counted from `startedAt`) has passed without it. */
export async function readInput(deadlineMs: number, startedAt: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      readAll(process.stdin),
      new Promise<string>((_, rej) => {
        timer = setTimeout(() => rej(new Error("stdin")), Math.max(1, deadlineMs - (Date.now() - startedAt)));
        timer.unref();
      }),
    ]);
  } catch {
    return "";
  } finally {
    clearTimeout(timer);
  }
}
