// Starts the built trusera-server in a child process for a benchmark and returns { url, apiKey, stop }.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../packages/server/dist/cli.js", import.meta.url));

export async function startBenchServer(extraArgs = [], env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "trusera-bench-"));
  const child = spawn(process.execPath, [CLI, "start", "--port", "0", "--data-dir", dataDir, ...extraArgs], {
    env: { ...process.env, TRUSERA_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      out += d;
      const m = /trusera-server listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  const apiKey = readFileSync(join(dataDir, "api-key"), "utf8").trim();
  return {
    url,
    apiKey,
    dataDir,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
