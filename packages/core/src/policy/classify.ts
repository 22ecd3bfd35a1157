import { type ActionClass, riskier, UNKNOWN_COMMAND_CLASS } from "./action-classes.js";

/** What a command line is taken to do: its class, and the hosts and files it names. */
export interface CommandClassification {
  actionClass: ActionClass;
  /** Lower-case host names found in URLs, `user@host:path` and the like. */
  hosts: string[];
  /** Absolute paths of the files the command names (relative ones resolved against `cwd`). */
  paths: string[];
  /** The table row that decided, for receipts and `--explain` style output, e.g. `git push`. */
  rule: string;
}

type Decide = ActionClass | ((args: readonly string[]) => ActionClass);

const READ_ONLY = [
  "ls",
  "cat",
  "head",
  "tail",
  "less",
  "more",
  "grep",
  "egrep",
  "fgrep",
  "rg",
  "ag",
  "pwd",
  "echo",
  "printf",
  "wc",
  "which",
  "whereis",
  "whoami",
  "id",
  "date",
  "stat",
  "file",
  "du",
  "df",
  "ps",
  "top",
  "diff",
  "cmp",
  "sort",
  "uniq",
  "cut",
  "tr",
  "jq",
  "yq",
  "tree",
  "true",
  "false",
  "test",
  "[",
  "uname",
  "hostname",
  "realpath",
  "readlink",
  "dirname",
  "basename",
  "type",
  "md5sum",
  "sha256sum",
  "sha1sum",
  "awk",
  "column",
  "nl",
  "od",
  "hexdump",
  "xxd",
  "strings",
  "env",
  "printenv",
  "history",
  "man",
  "help",
] as const;
const WRITE_LOW = [
  "mkdir",
  "touch",
  "cp",
  "mv",
  "ln",
  "tee",
  "install",
  "patch",
  "gzip",
  "gunzip",
  "zip",
  "unzip",
  "tar",
] as const;
const WRITE_HIGH = [
  "chmod",
  "chown",
  "chgrp",
  "dd",
  "kill",
  "pkill",
  "killall",
  "systemctl",
  "service",
  "crontab",
  "shutdown",
  "reboot",
  "mount",
  "umount",
  "useradd",
  "usermod",
  "passwd",
  "iptables",
  "launchctl",
] as const;
const DELETE = ["rm", "rmdir", "unlink", "shred", "truncate", "mkfs", "wipefs"] as const;
const NETWORK = [
  "curl",
  "wget",
  "ssh",
  "scp",
  "sftp",
  "ftp",
  "nc",
  "ncat",
  "netcat",
  "telnet",
  "ping",
  "dig",
  "nslookup",
  "host",
  "traceroute",
  "http",
  "https",
  "aria2c",
] as const;
const EXEC = [
  "node",
  "deno",
  "bun",
  "python",
  "python3",
  "python2",
  "ruby",
  "perl",
  "php",
  "bash",
  "sh",
  "zsh",
  "dash",
  "fish",
  "ksh",
  "eval",
  "exec",
  "xargs",
  "make",
  "cmake",
  "npx",
  "pnpx",
  "bunx",
  "go",
  "cargo",
  "java",
  "osascript",
  "source",
  ".",
] as const;

const positionals = (args: readonly string[]) => args.filter((a) => !a.startsWith("-"));
const has = (args: readonly string[], ...flags: string[]) =>
  args.some((a) => flags.includes(a) || flags.some((f) => f.startsWith("--") && a.startsWith(`${f}=`)));
// A short-flag cluster such as `-rf` containing `f`.
const hasShort = (args: readonly string[], letter: string) =>
  args.some((a) => /^-[A-Za-z]+$/.test(a) && a.includes(letter));

function sub(table: Record<string, Decide>, fallback: ActionClass): (args: readonly string[]) => ActionClass {
  return (args) => {
    const name = positionals(args)[0];
    const row = name === undefined ? undefined : table[name];
    if (row === undefined) return fallback;
    return typeof row === "function" ? row(args) : row;
  };
}

const GIT: Record<string, Decide> = {
  status: "read",
  log: "read",
  diff: "read",
  show: "read",
  blame: "read",
  describe: "read",
  "rev-parse": "read",
  "ls-files": "read",
  "ls-tree": "read",
  grep: "read",
  shortlog: "read",
  reflog: "read",
  version: "read",
  help: "read",
  "cat-file": "read",
  remote: (a) => (positionals(a).length > 1 && !has(a, "-v") ? "write_low" : "read"),
  config: (a) => (has(a, "--get", "--list", "-l", "--get-all") ? "read" : "write_low"),
  branch: (a) =>
    has(a, "-D", "-d", "--delete") ? "delete" : positionals(a).length > 1 ? "write_low" : "read",
  tag: (a) => (has(a, "-d", "--delete") ? "delete" : positionals(a).length > 1 ? "write_low" : "read"),
  add: "write_low",
  commit: "write_low",
  checkout: "write_low",
  switch: "write_low",
  restore: "write_low",
  stash: "write_low",
  merge: "write_low",
  rebase: "write_low",
  "cherry-pick": "write_low",
  revert: "write_low",
  init: "write_low",
  mv: "write_low",
  apply: "write_low",
  am: "write_low",
  worktree: "write_low",
  submodule: "network",
  reset: (a) => (has(a, "--hard") ? "delete" : "write_low"),
  clean: (a) => (hasShort(a, "n") || has(a, "--dry-run") ? "read" : "delete"),
  rm: "delete",
  push: "write_high",
  clone: "network",
  fetch: "network",
  pull: "network",
  "ls-remote": "network",
};

const NPM: Record<string, Decide> = {
  ls: "read",
  list: "read",
  help: "read",
  root: "read",
  prefix: "read",
  bin: "read",
  whoami: "network",
  view: "network",
  info: "network",
  show: "network",
  outdated: "network",
  search: "network",
  audit: "network",
  install: "network",
  i: "network",
  ci: "network",
  add: "network",
  update: "network",
  up: "network",
  uninstall: "write_low",
  remove: "write_low",
  rm: "write_low",
  un: "write_low",
  publish: "write_high",
  unpublish: "delete",
  deprecate: "write_high",
  version: "write_low",
  run: "exec",
  "run-script": "exec",
  test: "exec",
  t: "exec",
  start: "exec",
  exec: "exec",
  x: "exec",
  config: (a) => (positionals(a)[1] === "get" || positionals(a)[1] === "list" ? "read" : "write_low"),
};

const PIP: Record<string, Decide> = {
  list: "read",
  show: "read",
  freeze: "read",
  check: "read",
  help: "read",
  install: "network",
  download: "network",
  wheel: "network",
  uninstall: "delete",
};

const UV: Record<string, Decide> = {
  pip: (a) =>
    positionals(a)[1] === "install" ? "network" : positionals(a)[1] === "uninstall" ? "delete" : "read",
  add: "network",
  sync: "network",
  lock: "network",
  remove: "write_low",
  run: "exec",
  tool: "exec",
  venv: "write_low",
  init: "write_low",
  version: "read",
  tree: "read",
  help: "read",
};

const DOCKER: Record<string, Decide> = {
  ps: "read",
  images: "read",
  inspect: "read",
  logs: "read",
  version: "read",
  info: "read",
  stats: "read",
  pull: "network",
  push: "write_high",
  login: "network",
  run: "exec",
  exec: "exec",
  build: "exec",
  compose: "exec",
  start: "exec",
  restart: "exec",
  stop: "write_high",
  kill: "write_high",
  tag: "write_low",
  rm: "delete",
  rmi: "delete",
  prune: "delete",
  system: (a) => (positionals(a)[1] === "prune" ? "delete" : "read"),
};

const KUBECTL: Record<string, Decide> = {
  get: "read",
  describe: "read",
  logs: "read",
  explain: "read",
  version: "read",
  top: "read",
  "api-resources": "read",
  "cluster-info": "read",
  diff: "read",
  apply: "write_high",
  create: "write_high",
  patch: "write_high",
  edit: "write_high",
  scale: "write_high",
  set: "write_high",
  label: "write_high",
  annotate: "write_high",
  rollout: "write_high",
  replace: "write_high",
  cordon: "write_high",
  drain: "write_high",
  taint: "write_high",
  delete: "delete",
  exec: "exec",
  run: "exec",
  "port-forward": "network",
  cp: "write_high",
  proxy: "network",
  config: (a) =>
    positionals(a)[1]?.startsWith("get") || positionals(a)[1] === "view" ? "read" : "write_low",
};

const TABLE = new Map<string, Decide>();
for (const n of READ_ONLY) TABLE.set(n, "read");
for (const n of WRITE_LOW) TABLE.set(n, "write_low");
for (const n of WRITE_HIGH) TABLE.set(n, "write_high");
for (const n of DELETE) TABLE.set(n, "delete");
for (const n of NETWORK) TABLE.set(n, "network");
for (const n of EXEC) TABLE.set(n, "exec");
TABLE.set("git", sub(GIT, "write_low"));
TABLE.set("npm", sub(NPM, "exec"));
TABLE.set("pnpm", sub(NPM, "exec"));
TABLE.set("yarn", sub(NPM, "exec"));
TABLE.set("pip", sub(PIP, "exec"));
TABLE.set("pip3", sub(PIP, "exec"));
TABLE.set("uv", sub(UV, "exec"));
TABLE.set("docker", sub(DOCKER, "exec"));
TABLE.set("podman", sub(DOCKER, "exec"));
TABLE.set("kubectl", sub(KUBECTL, "exec"));
TABLE.set("find", (a) =>
  has(a, "-delete") ? "delete" : has(a, "-exec", "-execdir", "-ok", "-okdir") ? "exec" : "read",
);
TABLE.set("sed", (a) => (has(a, "-i", "--in-place") || a.some((x) => /^-i./.test(x)) ? "write_low" : "read"));
TABLE.set("rsync", (a) => (has(a, "--delete") ? "delete" : a.some(isRemoteSpec) ? "network" : "write_low"));

// Commands that run another command: classify the inner one. sudo and doas also escalate it.
const WRAPPERS = new Set([
  "env",
  "nice",
  "nohup",
  "time",
  "timeout",
  "command",
  "stdbuf",
  "ionice",
  "sudo",
  "doas",
]);
const ESCALATE = new Set(["sudo", "doas"]);

// Option flags that take a value, per network tool, so values are not read as hosts or paths.
const VALUE_FLAGS: Record<string, ReadonlySet<string>> = {
  curl: new Set([
    "-o",
    "-H",
    "-d",
    "-X",
    "-u",
    "-A",
    "-e",
    "-b",
    "-c",
    "-T",
    "-F",
    "-w",
    "-m",
    "-K",
    "-x",
    "-E",
    "--output",
    "--header",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-urlencode",
    "--request",
    "--user",
    "--user-agent",
    "--referer",
    "--cookie",
    "--cookie-jar",
    "--upload-file",
    "--form",
    "--write-out",
    "--max-time",
    "--connect-timeout",
    "--retry",
    "--config",
    "--proxy",
    "--cert",
    "--resolve",
  ]),
  wget: new Set([
    "-O",
    "-o",
    "-P",
    "-U",
    "-e",
    "--header",
    "--user-agent",
    "--post-data",
    "--post-file",
    "--output-document",
    "--directory-prefix",
    "--user",
    "--password",
  ]),
  ssh: new Set(["-i", "-p", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-m", "-S", "-W"]),
  scp: new Set(["-i", "-P", "-o", "-F", "-J", "-l", "-S", "-c"]),
};

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const BARE_HOST =
  /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?::\d+)?(?:\/\S*)?$/i;
const SCP_SPEC = /^(?:[^@/\s:]+@)?([a-z0-9.-]+|\[[0-9a-f:]+\]):(?!\/\/)/i;

function isRemoteSpec(arg: string): boolean {
  return !arg.startsWith("-") && !URL_LIKE.test(arg) && SCP_SPEC.test(arg) && !/^[a-z]:[\\/]/i.test(arg);
}

function hostOf(arg: string, bareAllowed: boolean): string | undefined {
  if (URL_LIKE.test(arg)) {
    try {
      const h = new URL(arg).hostname.replace(/^\[|\]$/g, "").toLowerCase();
      return h || undefined;
    } catch {
      return undefined;
    }
  }
  const scp = isRemoteSpec(arg) ? SCP_SPEC.exec(arg) : null;
  if (scp?.[1]) return scp[1].replace(/^\[|\]$/g, "").toLowerCase();
  if (bareAllowed && BARE_HOST.test(arg)) return arg.split(/[:/]/)[0]!.toLowerCase();
  return undefined;
}

// Commands whose positional arguments are all files (after the ones `skip` says).
const FILE_ARGS: Record<string, number> = {
  rm: 0,
  rmdir: 0,
  unlink: 0,
  shred: 0,
  truncate: 0,
  cp: 0,
  mv: 0,
  ln: 0,
  touch: 0,
  mkdir: 0,
  cat: 0,
  head: 0,
  tail: 0,
  less: 0,
  more: 0,
  tee: 0,
  stat: 0,
  file: 0,
  ls: 0,
  wc: 0,
  install: 0,
  dd: 0,
  chmod: 1,
  chown: 1,
  chgrp: 1,
  sed: 1,
  grep: 1,
  find: 0,
};

function resolvePath(p: string, cwd: string, home: string): string {
  let out = p;
  if (out === "~" || out.startsWith("~/")) out = home + out.slice(1);
  else if (!out.startsWith("/")) out = `${cwd.endsWith("/") ? cwd : `${cwd}/`}${out}`;
  // Normalize . and .. so that `/etc/../etc/passwd` cannot slip past a `/etc/*` rule.
  const parts: string[] = [];
  for (const seg of out.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join("/")}`;
}

function collect(name: string, args: readonly string[], cwd: string, home: string) {
  const hosts = new Set<string>();
  const paths = new Set<string>();
  const valueFlags = VALUE_FLAGS[name];
  const network = name in VALUE_FLAGS;
  const fileSkip = FILE_ARGS[name];
  let positional = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("-")) {
      if (valueFlags?.has(arg)) {
        const value = args[++i];
        // Output and upload files of network tools are files too.
        if (
          value &&
          (arg === "-o" || arg === "-O" || arg === "--output" || arg === "-T" || arg === "--upload-file")
        )
          paths.add(resolvePath(value, cwd, home));
        continue;
      }
      const eq = arg.indexOf("=");
      if (eq > 0) {
        const v = arg.slice(eq + 1);
        const h = hostOf(v, false);
        if (h) hosts.add(h);
        else if (v.startsWith("/") || v.startsWith("./") || v.startsWith("~/"))
          paths.add(resolvePath(v, cwd, home));
      }
      continue;
    }
    const h = hostOf(arg, network && (name !== "ssh" || positional === 0));
    if (h) {
      hosts.add(h);
    } else if (name === "ssh" && positional === 0) {
      hosts.add(arg.replace(/^[^@]*@/, "").toLowerCase());
    } else if (fileSkip !== undefined ? positional >= fileSkip : arg.includes("/") || arg.startsWith("~")) {
      paths.add(resolvePath(arg, cwd, home));
    }
    positional++;
  }
  return { hosts: [...hosts], paths: [...paths] };
}

/**
 * Classifies a command line by the table in docs/receipts-policy.md: `git status` is `read`,
 * `git push` `write_high`, `rm -rf` `delete`, `curl` `network`; a command nobody listed gets
 * `UNKNOWN_COMMAND_CLASS` (`exec`). Wrappers (`sudo`, `env`, `timeout`, ...) are seen through; `sudo`
 * raises the inner class to at least `write_high`. Pure and fast: no file system access.
 */
export function classifyCommand(
  binary: string,
  args: readonly string[],
  { cwd = "/", home = "/" }: { cwd?: string; home?: string } = {},
): CommandClassification {
  let name = binary.slice(binary.lastIndexOf("/") + 1);
  let rest = args;
  let escalate = false;
  const via: string[] = [];
  for (let depth = 0; WRAPPERS.has(name) && depth < 4; depth++) {
    if (ESCALATE.has(name)) escalate = true;
    via.push(name);
    // Skip the wrapper's options, `VAR=value` pairs and (for timeout) the duration.
    let i = 0;
    while (i < rest.length && (rest[i]!.startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[i]!))) {
      // sudo -u USER / timeout -s SIGNAL take a value.
      if (/^-[usgCkD]$/.test(rest[i]!) && (name === "sudo" || name === "timeout" || name === "doas")) i++;
      i++;
    }
    if (name === "timeout" && i < rest.length) i++;
    if (i >= rest.length) {
      // `env` alone prints the environment; `sudo` alone does nothing useful.
      const cls: ActionClass = name === "env" || name === "time" ? "read" : "write_high";
      return { actionClass: cls, hosts: [], paths: [], rule: via.join(" ") };
    }
    const inner = rest[i]!;
    name = inner.slice(inner.lastIndexOf("/") + 1);
    rest = rest.slice(i + 1);
  }
  const row = TABLE.get(name);
  let actionClass: ActionClass =
    row === undefined ? UNKNOWN_COMMAND_CLASS : typeof row === "function" ? row(rest) : row;
  if ((name === "bash" || name === "sh" || name === "zsh") && rest.length === 0) actionClass = "exec";
  if (escalate) actionClass = riskier(actionClass, "write_high");
  const subName =
    row && typeof row === "function" && !["find", "sed", "rsync"].includes(name)
      ? positionals(rest)[0]
      : undefined;
  const rule =
    [...via, name, ...(subName ? [subName] : [])].join(" ") + (row === undefined ? " (unknown)" : "");
  const { hosts, paths } = collect(name, rest, cwd, home);
  return { actionClass, hosts, paths, rule };
}
