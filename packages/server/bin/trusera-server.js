#!/usr/bin/env node
// The `trusera-server` command. npm links a package's bins when it installs it, and in this repository
// that is before `prepare` builds dist/: the link points at this committed file, which loads the build.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    "trusera-server: not built yet (packages/server/dist is missing): run npm run build\n",
  );
  process.exit(1);
}
await import(cli.href);
