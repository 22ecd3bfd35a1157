import {
  classifyCommand,
  type GovernedAction,
  Governor,
  MODES,
  type PolicyDocument,
  policyToCedar,
  validatePolicy,
} from "@trusera/core";

interface Input {
  name: string;
  policy: unknown;
  home?: string;
  actions: GovernedAction[];
}

const act = (
  action: string,
  target: string,
  actionClass: "read" | "write_low" | "write_high" | "delete" | "network" | "exec",
  extra: { hosts?: string[]; paths?: string[] } = {},
): GovernedAction => ({ kind: "action", action, target, actionClass, ...extra });
const cmd = (binary: string, args: string[], cwd = "/work"): GovernedAction => ({
  kind: "command",
  binary,
  args,
  cwd,
});

const INPUTS: Input[] = [
  {
    name: "deny-list by class, default allow",
    policy: {
      version: 1,
      defaultAction: "allow",
      rules: [{ id: "no-delete", action: "deny", actionClasses: ["delete", "write_high"] }],
    },
    actions: [
      act("execute", "r1", "read"),
      act("execute", "r1", "delete"),
      act("publish", "pkg", "write_high"),
    ],
  },
  {
    name: "allow-list by class, default deny",
    policy: {
      version: 1,
      defaultAction: "deny",
      rules: [{ id: "reads", action: "allow", actionClasses: ["read"] }],
    },
    actions: [act("execute", "r1", "read"), act("execute", "r1", "write_low")],
  },
  {
    name: "hosts with wildcards, every host must pass",
    policy: {
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "github", action: "allow", actionClasses: ["network"], hosts: ["github.com", "*.github.com"] },
        { id: "no-gist", action: "deny", hosts: ["gist.github.com"] },
      ],
    },
    actions: [
      act("web.fetch", "https://api.github.com/x", "network", { hosts: ["api.github.com"] }),
      act("web.fetch", "https://gist.github.com/x", "network", { hosts: ["gist.github.com"] }),
      act("web.fetch", "https://example.com/", "network", { hosts: ["example.com"] }),
      act("web.fetch", "two hosts", "network", { hosts: ["github.com", "example.com"] }),
      act("web.fetch", "upper case host", "network", { hosts: ["API.GITHUB.COM"] }),
      act("web.fetch", "no hosts", "network"),
    ],
  },
  {
    name: "a long host list (past 8 alternatives the compiler nests halves)",
    policy: {
      version: 1,
      defaultAction: "deny",
      rules: [
        {
          id: "many-hosts",
          action: "allow",
          actionClasses: ["network"],
          hosts: Array.from({ length: 20 }, (_, i) => (i % 5 === 4 ? `*.h${i}.example` : `h${i}.example`)),
        },
      ],
    },
    actions: [
      act("web.fetch", "https://h0.example/", "network", { hosts: ["h0.example"] }),
      act("web.fetch", "https://a.h9.example/", "network", { hosts: ["a.h9.example"] }),
      act("web.fetch", "https://h19.example/", "network", { hosts: ["h19.example"] }),
      act("web.fetch", "https://h20.example/", "network", { hosts: ["h20.example"] }),
    ],
  },
  {
    name: "paths with ~ and * patterns",
    policy: {
      version: 1,
      defaultAction: "allow",
      rules: [
        { id: "no-ssh", action: "deny", paths: ["~/.ssh/*"] },
        { id: "no-pem", action: "deny", paths: ["*.pem"] },
        {
          id: "no-etc",
          action: "deny",
          actionClasses: ["write_low", "write_high", "delete"],
          paths: ["/etc/*"],
        },
      ],
    },
    home: "/home/ann",
    actions: [
      act("file.read", "/home/ann/.ssh/id_rsa", "read", { paths: ["/home/ann/.ssh/id_rsa"] }),
      act("file.read", "/srv/key.pem", "read", { paths: ["/srv/key.pem"] }),
      act("file.read", "/etc/hosts", "read", { paths: ["/etc/hosts"] }),
      act("file.write", "/etc/hosts", "write_low", { paths: ["/etc/hosts"] }),
      act("file.write", "/tmp/x", "write_low", { paths: ["/tmp/x"] }),
    ],
  },
  {
    name: "commands and binaries apply to shell commands only",
    policy: {
      version: 1,
      defaultAction: "allow",
      rules: [
        { id: "no-push", action: "deny", commands: ["git push"] },
        { id: "no-rm-rf", action: "deny", commands: ["rm -rf *"] },
        { id: "no-local-bin", action: "deny", binaries: ["/usr/local/bin/*"] },
        { id: "no-curl", action: "deny", binaries: ["curl"] },
      ],
    },
    actions: [
      cmd("git", ["push", "origin", "main"]),
      cmd("git", ["push"]),
      cmd("git", ["pushx"]),
      cmd("git", ["status"]),
      cmd("rm", ["-rf", "/tmp/x"]),
      cmd("/usr/local/bin/tool", ["x"]),
      cmd("/usr/bin/curl", ["https://example.com"]),
      act("execute", "git push", "exec"),
    ],
  },
  {
    name: "command classes from the classification table",
    policy: {
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "reads", action: "allow", actionClasses: ["read"] },
        { id: "net-to-example", action: "allow", actionClasses: ["network"], hosts: ["example.com"] },
      ],
    },
    actions: [
      cmd("ls", ["-la"]),
      cmd("cat", ["/etc/hosts"]),
      cmd("curl", ["https://example.com/x"]),
      cmd("curl", ["https://evil.example/x"]),
      cmd("sudo", ["ls"]),
      cmd("some-unknown-program", []),
    ],
  },
  {
    name: "first matching deny rule names the reason",
    policy: {
      version: 1,
      defaultAction: "allow",
      rules: [
        { id: "b-rule", action: "deny", actionClasses: ["exec"] },
        { id: "a-rule", action: "deny", actionClasses: ["exec", "read"] },
        { id: "allow-exec", action: "allow", actionClasses: ["exec"] },
      ],
    },
    actions: [act("execute", "x", "exec"), act("execute", "x", "read"), act("execute", "x", "network")],
  },
  {
    name: "rule without matchers matches everything",
    policy: { version: 1, defaultAction: "deny", rules: [{ id: "all", action: "allow" }] },
    actions: [act("execute", "x", "delete"), cmd("rm", ["-rf", "/"])],
  },
  {
    name: "quotes, backslashes and control characters in patterns",
    policy: {
      version: 1,
      defaultAction: "allow",
      rules: [{ id: "odd", action: "deny", paths: ['/tmp/a"b\\c*'] }],
    },
    actions: [
      act("file.write", "q", "write_low", { paths: ['/tmp/a"b\\cd'] }),
      act("file.write", "q", "write_low", { paths: ["/tmp/abc"] }),
    ],
  },
  {
    name: "empty policy, default deny",
    policy: { version: 1, defaultAction: "deny", rules: [] },
    actions: [act("execute", "x", "read")],
  },
  { name: "invalid: unknown member", policy: { version: 1, defaultAction: "deny", rule: [] }, actions: [] },
  { name: "invalid: version 2", policy: { version: 2, defaultAction: "deny", rules: [] }, actions: [] },
  { name: "invalid: defaultAction", policy: { version: 1, defaultAction: "block", rules: [] }, actions: [] },
  {
    name: "invalid: rule problems",
    policy: {
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "a b", action: "permit" },
        { id: "x", action: "allow", actionClasses: [] },
        { id: "x", action: "allow", actionClasses: ["writes"] },
        { id: "trusera.mine", action: "deny", hosts: ["ex ample.com"], paths: ["relative/path"] },
        { id: "y", action: "deny", actionClass: ["read"] },
        "not an object",
      ],
    },
    actions: [],
  },
  { name: "invalid: not an object", policy: [1, 2], actions: [] },
];

/** Classification inputs: [binary, args, cwd, home]. */
const COMMANDS: [string, string[], string, string][] = [
  ["ls", ["-la"], "/work", "/home/ann"],
  ["cat", ["/etc/hosts"], "/work", "/home/ann"],
  ["cat", ["notes.txt"], "/work", "/home/ann"],
  ["cat", ["~/.ssh/id_rsa"], "/work", "/home/ann"],
  ["rm", ["-rf", "build"], "/work", "/home/ann"],
  ["/bin/rm", ["x"], "/work", "/home/ann"],
  ["git", ["status"], "/work", "/home/ann"],
  ["git", ["push", "origin", "main"], "/work", "/home/ann"],
  ["git", ["clone", "https://github.com/a/b.git"], "/work", "/home/ann"],
  ["curl", ["-sS", "https://example.com/x"], "/work", "/home/ann"],
  ["curl", ["-o", "out.html", "https://example.com/x"], "/work", "/home/ann"],
  ["wget", ["http://example.org/file"], "/work", "/home/ann"],
  ["npm", ["install"], "/work", "/home/ann"],
  ["npm", ["publish"], "/work", "/home/ann"],
  ["sudo", ["ls"], "/work", "/home/ann"],
  ["sudo", ["-u", "bob", "cat", "/etc/shadow"], "/work", "/home/ann"],
  ["env", ["A=1", "ls"], "/work", "/home/ann"],
  ["timeout", ["5", "curl", "https://example.com"], "/work", "/home/ann"],
  ["python3", ["script.py"], "/work", "/home/ann"],
  ["bash", ["-c", "echo hi"], "/work", "/home/ann"],
  ["cp", ["a", "/etc/b"], "/work", "/home/ann"],
  ["mv", ["a", "b"], "/work", "/home/ann"],
  ["chmod", ["600", "key"], "/work", "/home/ann"],
  ["ssh", ["user@host.example.com", "ls"], "/work", "/home/ann"],
  ["kubectl", ["delete", "pod", "x"], "/work", "/home/ann"],
  ["docker", ["run", "alpine"], "/work", "/home/ann"],
  ["some-unknown-program", [], "/work", "/home/ann"],
];

function describe(action: GovernedAction) {
  return action.kind === "command"
    ? { kind: "command", binary: action.binary, args: [...action.args], cwd: action.cwd }
    : {
        kind: "action",
        action: action.action,
        target: action.target,
        action_class: action.actionClass,
        ...(action.hosts ? { hosts: [...action.hosts] } : {}),
        ...(action.paths ? { paths: [...action.paths] } : {}),
      };
}

export async function buildJsonPolicy() {
  const cases = [];
  for (const input of INPUTS) {
    const home = input.home ?? "/";
    const checked = validatePolicy(input.policy);
    if (!checked.ok) {
      if (input.actions.length > 0) throw new Error(`"${input.name}" is invalid but has actions`);
      cases.push({
        name: input.name,
        policy: input.policy,
        home,
        valid: false,
        errors: checked.errors.map((e) => ({ pointer: e.pointer, message: e.message })),
      });
      continue;
    }
    const governors = Object.fromEntries(
      await Promise.all(
        MODES.map(
          async (mode) => [mode, await Governor.create({ policy: checked.policy, mode, home })] as const,
        ),
      ),
    );
    cases.push({
      name: input.name,
      policy: input.policy,
      home,
      valid: true,
      cedar: policyToCedar(checked.policy as PolicyDocument, { home }),
      decisions: input.actions.map((action) => {
        const d = governors.strict!.decide("agent-1", action);
        const block = Object.fromEntries(
          MODES.map((m) => [m, governors[m]!.decide("agent-1", action).block]),
        );
        return {
          agent_id: "agent-1",
          action: describe(action),
          expected: {
            outcome: d.outcome,
            reason_code: d.reasonCode,
            rule_ids: d.ruleIds,
            action_class: d.actionClass,
            hosts: d.hosts,
            paths: d.paths,
            errors: d.errors.length > 0,
            block,
          },
        };
      }),
    });
  }
  return {
    description:
      "transient-trace JSON policy -> Cedar text, and action -> decision in each mode; plus command classification.",
    modes: [...MODES],
    cases,
    commands: COMMANDS.map(([binary, args, cwd, home]) => {
      const c = classifyCommand(binary, args, { cwd, home });
      return {
        binary,
        args,
        cwd,
        home,
        expected: { action_class: c.actionClass, hosts: c.hosts, paths: c.paths, rule: c.rule },
      };
    }),
  };
}
