import { spawn } from "node:child_process";
import { CLI } from "./helpers.js";
import { cleanEnv } from "./run-helpers.js";

/**
 * Runs `hook claude` with `text` written to a stdin that is never closed: the hook must answer and
 * exit on its own (killed after 20 s if it does not, which the exit signal then shows).
 */
export async function hookWithStdinOpen(
  env: Record<string, string | undefined>,
  text: string,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, "hook", "claude"], { env: cleanEnv(env), stdio: "pipe" });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stdin.write(text);
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
    child.on("exit", (c, sig) => r([c, sig])),
  );
  clearTimeout(killer);
  return { code, signal, stdout };
}
