// Copies the files tsup does not build into dist/: the Python guard that `transient-trace run` writes
// into each session as sitecustomize.py.
import { copyFileSync } from "node:fs";

copyFileSync(
  new URL("../src/guard/python/guard.py", import.meta.url),
  new URL("../dist/python-guard.py", import.meta.url),
);
