import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@trusera/testing";

export const PYPI_VERSION = "1.2.0";

/**
 * A virtualenv under .cache/ holding the published Python SDK (PyPI `trusera-sdk==1.2.0`), made on
 * first use (pip's cache makes a second install quick). Returns its python, or null with the reason
 * when it cannot be made: the caller fails loudly, unless TRUSERA_OFFLINE=1 says there is no registry
 * on purpose (then it skips with one notice). `install: false` only looks (for a second test file
 * that must not race the first one's install).
 */
export function pythonV1(options: { install?: boolean } = {}): { python: string } | { error: string } {
  const dir = join(REPO_ROOT, ".cache", `pypi-trusera-${PYPI_VERSION}`);
  const python = join(dir, "bin", "python");
  const installed = () =>
    existsSync(python) &&
    spawnSync(python, ["-c", "import trusera_sdk; print(trusera_sdk.__version__)"], {
      encoding: "utf8",
    }).stdout?.trim() === PYPI_VERSION;
  if (installed()) return { python };
  if (options.install === false) return { error: `no ${dir} (python-sdk-v1.test.ts makes it)` };
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8", timeout: 240_000 });
  const venv = existsSync(python) ? null : run("python3", ["-m", "venv", dir]);
  if (venv && venv.status !== 0) return { error: `python3 -m venv failed: ${venv.stderr || venv.error}` };
  const pip = run(python, [
    "-m",
    "pip",
    "install",
    "-q",
    "--disable-pip-version-check",
    `trusera-sdk==${PYPI_VERSION}`,
  ]);
  if (pip.status !== 0 || !installed()) {
    return { error: `pip install trusera-sdk==${PYPI_VERSION} failed: ${pip.stderr || pip.error}` };
  }
  return { python };
}
