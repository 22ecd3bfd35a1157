#!/usr/bin/env node
// `npm start`: the server on an embedded SQLite file plus the demo agent, then where to look.
// The server's JSON log goes to <data-dir>/server.log; Ctrl-C stops both.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = resolve(process.env.TRUSERA_DATA_DIR ?? join(root, ".trusera-data"));
const port = process.env.TRUSERA_PORT ?? "7780";
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

// npm install builds everything (the root "prepare" script); build here only if that did not happen.
if (!["packages/server/dist/cli.js", "packages/sdk/dist/index.js"].every((f) => existsSync(join(root, f)))) {
  console.error("Building the packages (first run) ...");
  const built = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const log = createWriteStream(join(dataDir, "server.log"), { flags: "a" });
const server = spawn(
  process.execPath,
  [join(root, "packages/server/dist/cli.js"), "start", "--port", port, "--data-dir", dataDir],
  { stdio: ["ignore", "pipe", "pipe"], env: process.env },
);
server.stdout.pipe(log);

let demo = null;
let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  demo?.kill("SIGTERM");
  server.kill("SIGTERM");
  server.once("exit", () => process.exit(code));
  setTimeout(() => process.exit(code), 5000).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

let stderr = "";
const url = await new Promise((resolveUrl) => {
  server.stderr.on("data", (chunk) => {
    process.stderr.write(chunk);
    stderr += chunk;
    const m = /trusera-server listening on (http:\/\/\S+)/.exec(stderr);
    if (m) resolveUrl(m[1]);
  });
  server.once("exit", (code) => {
    if (stopping) return;
    console.error(
      `\nThe server exited (code ${code}) before it was ready.` +
        (/EADDRINUSE/.test(stderr) ? ` Port ${port} is taken: set TRUSERA_PORT to another port.` : "") +
        ` Its log: ${join(dataDir, "server.log")}`,
    );
    process.exit(1);
  });
});

const keyFile = join(dataDir, "api-key");
if (!existsSync(keyFile)) {
  console.error(
    `\n${keyFile} is missing, so the demo agent has no key. Make one with:\n` +
      `  node packages/server/dist/cli.js keys create --project default --data-dir ${dataDir}\n` +
      `and put it in ${keyFile}. The server keeps running.`,
  );
} else {
  const apiKey = readFileSync(keyFile, "utf8").trim();
  await starterPolicy(url, apiKey);
  demo = spawn(process.execPath, [join(root, "examples/demo-agent/demo-agent.mjs")], {
    stdio: "inherit",
    env: { ...process.env, TRUSERA_API_KEY: apiKey, TRUSERA_API_URL: url },
  });
  demo.once("exit", (code) => {
    if (!stopping && code !== 0) console.error(`demo agent exited with code ${code}`);
  });
  console.error(`
Trusera is running.
  Server        ${url}  (log: ${join(dataDir, "server.log")})
  Data          ${dataDir}  (SQLite; the admin API key is in ${keyFile})
  Demo agent    every 5 seconds makes real calls (HTTP, a model, tools, files) to loopback stand-ins,
                each decided by the SDK against the project's active policy: the starter policy
                (examples/demo-agent/starter-policy.cedar) blocks its uploads to exfil.example.net
                and its delete_records tool. Edit the policy on the dashboard and watch it change.

Dashboard: open ${url}/ in a browser and sign in with the admin API key:
  cat ${keyFile}

Or look with curl:
  curl -s -H "Authorization: Bearer $(cat ${keyFile})" "${url}/api/v1/events?limit=7"
  curl -s -H "Authorization: Bearer $(cat ${keyFile})" "${url}/api/v1/agents"
  API reference: ${url}/api/openapi.json

Ctrl-C stops the server and the demo agent.
`);
}

/** On a project with no active policy, activates the starter policy (examples/demo-agent/starter-policy.cedar). */
async function starterPolicy(url, apiKey) {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  try {
    const bundle = await (await fetch(`${url}/api/v1/policies/bundle`, { headers })).json();
    if (bundle.version !== null) return;
    await fetch(`${url}/api/v1/policies`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        policies: readFileSync(join(root, "examples/demo-agent/starter-policy.cedar"), "utf8"),
        description: "starter policy (npm start): no uploads to exfil.example.net, no delete_records tool",
        activate: true,
      }),
    });
  } catch (err) {
    console.error(`Could not set the starter policy: ${err.message}`);
  }
}
