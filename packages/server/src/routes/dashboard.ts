import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

// Everything the page loads comes from this server: no CDN, no inline script, no framing.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * The built dashboard (`npm run build` writes it to dist/dashboard): next to the bundled server, or,
 * running from the sources (tests), in the package's dist folder.
 */
export function dashboardDir(): string | null {
  for (const candidate of ["./dashboard/", "../dashboard/", "../../dist/dashboard/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return null;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      if (statSync(join(dir, rel)).isDirectory()) walk(rel);
      else {
        const body = readFileSync(join(dir, rel));
        const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
        assets.set(`/${rel}`, { body, type: TYPES[extname(name)] ?? "application/octet-stream", etag });
      }
    }
  };
  walk("");
  return assets;
}

/** Serves the dashboard's page at `/` and its bundled assets, from memory, with strict security headers. */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const dir = dashboardDir();
  const assets = dir ? loadAssets(dir) : new Map<string, Asset>();

  const send = (reply: FastifyReply, asset: Asset, ifNoneMatch: string | undefined, cache: string) => {
    reply
      .header("content-security-policy", CSP)
      .header("x-content-type-options", "nosniff")
      .header("x-frame-options", "DENY")
      .header("referrer-policy", "no-referrer")
      .header("cache-control", cache)
      .header("etag", asset.etag);
    if (ifNoneMatch === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  app.get("/", { schema: { hide: true } }, async (request, reply) => {
    const index = assets.get("/index.html");
    if (!index)
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(
          "The dashboard is not built: run `npm run build` (it writes packages/server/dist/dashboard).\n",
        );
    return send(reply, index, request.headers["if-none-match"], "no-cache");
  });

  app.get<{ Params: { "*": string } }>("/assets/*", { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(`/assets/${request.params["*"]}`);
    if (!asset)
      return reply
        .code(404)
        .send({ error: { code: "not_found", message: `no asset ${request.params["*"]}` } });
    return send(reply, asset, request.headers["if-none-match"], "no-cache");
  });
}
