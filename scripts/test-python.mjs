// The Python projects' test suites: python/trusera-sdk (and python/transient-trace when present).
//
// A virtualenv in .cache/python-venv (kept while its Python is the same) gets each project installed
// from its directory with its test extras, as a user's `pip install ./python/<project>[test]` would,
// then pytest runs each project's tests/ from the project's directory. pip's own cache (~/.cache/pip)
// makes reruns fast; when a project's pyproject.toml has not changed since the last install, only the
// project itself is reinstalled (its dependencies stay). pytest exit code 5 (no tests ran) is a failure.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const venv = join(root, ".cache", "python-venv");
const py = join(venv, "bin", "python");
const python3 = process.env.TRUSERA_TEST_PYTHON ?? "python3";

/** Each project, the extras its tests need; a project whose directory is missing is skipped. */
const PROJECTS = [
  // The framework extras: tests/integrations runs each integration against the real framework.
  { dir: "python/trusera-sdk", extras: ["test", "langchain", "crewai", "autogen", "openai", "mcp"] },
  { dir: "python/transient-trace", extras: ["test"] },
];

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, encoding: "utf8", ...opts });
}

function fail(message, detail) {
  if (detail) process.stderr.write(detail.endsWith("\n") ? detail : `${detail}\n`);
  console.error(`test-python: ${message}`);
  process.exit(1);
}

const which = run(python3, ["-c", "import sys; print(sys.version)"]);
if (which.status !== 0) fail(`${python3} is not a working Python (need 3.10 or later)`, which.stderr);
const wanted = which.stdout.trim();
const stampFile = join(venv, "trusera-stamp.json");
let stamp = {};
if (existsSync(py)) {
  const have = run(py, ["-c", "import sys; print(sys.version)"]);
  if (have.status !== 0 || have.stdout.trim() !== wanted) {
    console.log("test-python: the virtualenv's Python changed; making a new one");
    rmSync(venv, { recursive: true, force: true });
  } else if (existsSync(stampFile)) {
    try {
      stamp = JSON.parse(readFileSync(stampFile, "utf8"));
    } catch {
      stamp = {};
    }
  }
}
if (!existsSync(py)) {
  mkdirSync(dirname(venv), { recursive: true });
  const made = run(python3, ["-m", "venv", venv]);
  if (made.status !== 0) fail("could not create .cache/python-venv (python3 -m venv)", made.stderr);
}

const present = PROJECTS.filter((p) => existsSync(join(root, p.dir, "pyproject.toml")));
const pipQuiet = ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-input"];
for (const p of present) {
  const spec = `./${p.dir}[${p.extras.join(",")}]`;
  const digest = createHash("sha256")
    .update(readFileSync(join(root, p.dir, "pyproject.toml")))
    .update(spec)
    .digest("hex");
  // Same project definition as last time: its dependencies are in place, reinstall only the project.
  const args =
    stamp[p.dir] === digest
      ? [...pipQuiet, "--no-deps", "--force-reinstall", `./${p.dir}`]
      : [...pipQuiet, spec];
  const r = run(py, args);
  if (r.status !== 0) {
    delete stamp[p.dir];
    writeFileSync(stampFile, JSON.stringify(stamp));
    fail(`pip install ${spec} failed`, `${r.stdout}${r.stderr}`);
  }
  stamp[p.dir] = digest;
  writeFileSync(stampFile, JSON.stringify(stamp));
}

let failed = false;
for (const p of present) {
  console.log(`test-python: pytest ${p.dir}`);
  const r = spawnSync(py, ["-m", "pytest", "-q", "tests"], {
    cwd: join(root, p.dir),
    stdio: "inherit",
    // Every extra is installed above: an integration test that cannot import its framework fails
    // instead of skipping (tests/integrations/support.py, require()).
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", TRUSERA_PY_REQUIRE_EXTRAS: "1" },
  });
  if (r.status === 5) {
    console.error(`test-python: ${p.dir}: no tests ran`);
    failed = true;
  } else if (r.status !== 0) {
    console.error(`test-python: ${p.dir}: pytest exited ${r.status ?? r.signal}`);
    failed = true;
  }
}
if (present.length === 0) fail("no Python project found under python/");
process.exit(failed ? 1 : 0);
