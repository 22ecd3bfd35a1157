import {
  classifyCommand,
  DENY_ALL_POLICY,
  Governor,
  type Mode,
  type PolicyDocument,
  parsePolicyText,
  policyToCedar,
} from "@trusera/core";
import { describe, expect, it } from "vitest";

const SEED_POLICY: PolicyDocument = {
  version: 1,
  defaultAction: "deny",
  rules: [
    { id: "allow-git", action: "allow", actionClasses: ["read", "write_low"] },
    { id: "allow-anthropic", action: "allow", actionClasses: ["network"], hosts: ["api.anthropic.com"] },
  ],
};

const cmd = (line: string, cwd = "/work") => {
  const [binary, ...args] = line.split(" ");
  return { kind: "command" as const, binary: binary!, args, cwd };
};

async function governor(policy: PolicyDocument, mode: Mode = "strict") {
  return Governor.create({ policy, mode, home: "/home/u" });
}

describe("policy file", () => {
  it("places syntax errors by line and column", () => {
    const r = parsePolicyText('{\n  "version": 1,\n  "rules": [\n    { "id": "a", }\n  ]\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ line: 4, column: 18 });
    expect(r.errors[0]!.message).toMatch(/invalid JSON: expected a member name/);
  });

  it("places every structural error on the member at fault, typos included", () => {
    const text = `{
  "version": 1,
  "defaultAction": "deny",
  "rules": [
    { "id": "ok", "action": "allow", "actionClasses": ["read"] },
    { "id": "ok", "action": "permit", "actionClass": ["read"] },
    { "id": "x", "action": "deny", "actionClasses": ["read", "writes"], "hosts": [] }
  ]
}`;
    const r = parsePolicyText(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const where = r.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
    expect(where).toEqual([
      expect.stringMatching(/^6:39 rule "ok": unknown member "actionClass"/),
      expect.stringMatching(/^6:13 rule "ok": duplicate id \(also rule 0\)/),
      expect.stringMatching(/^6:29 rule "ok": "action" must be "allow" or "deny", got "permit"/),
      expect.stringMatching(/^7:62 rule "x": actionClasses\[1\] is an unknown action class "writes"/),
      expect.stringMatching(/^7:82 rule "x": "hosts" must be a non-empty array/),
    ]);
  });

  it("requires version 1 and a defaultAction", () => {
    const r = parsePolicyText('{"version": 2, "rules": []}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.pointer)).toEqual(["/version", "/defaultAction"]);
  });

  it("translates rules into Cedar, one permit or forbid each", () => {
    const cedar = policyToCedar(
      {
        version: 1,
        defaultAction: "allow",
        rules: [
          { id: "no-push", action: "deny", commands: ["git push"] },
          { id: "no-secrets", action: "deny", paths: ["~/.ssh/*", "*.pem"] },
          { id: "quote", action: "allow", hosts: ['*.ex"ample.com'] },
        ],
      },
      { home: "/home/u" },
    );
    expect(cedar).toContain(`@id("no-push")\nforbid (principal, action == Action::"shell_exec", resource)`);
    expect(cedar).toContain(`(context.command == "git push" || context.command like "git push *")`);
    expect(cedar).toContain(`context.path like "/home/u/.ssh/*" || context.path like "*.pem"`);
    expect(cedar).toContain(`action in [Action::"shell_exec", Action::"agent_action"]`);
    expect(cedar).toContain(`context.host like "*.ex\\"ample.com"`);
  });
});

describe("Governor", () => {
  it("decides the seed's example policy", async () => {
    const g = await governor(SEED_POLICY);
    expect(g.decide("a", cmd("git status"))).toMatchObject({
      outcome: "allow",
      reasonCode: "rule:allow-git",
      actionClass: "read",
      block: false,
    });
    expect(g.decide("a", cmd("git push origin main"))).toMatchObject({
      outcome: "deny",
      reasonCode: "default_deny",
      actionClass: "write_high",
      block: true,
    });
    expect(g.decide("a", cmd("curl https://api.anthropic.com/v1/messages"))).toMatchObject({
      outcome: "allow",
      reasonCode: "rule:allow-anthropic",
      hosts: ["api.anthropic.com"],
    });
    expect(g.decide("a", cmd("curl https://evil.example/x"))).toMatchObject({ outcome: "deny" });
    // Every host must be allowed.
    expect(g.decide("a", cmd("curl https://api.anthropic.com https://evil.example"))).toMatchObject({
      outcome: "deny",
      reasonCode: "default_deny",
    });
  });

  it("loads a rule with hundreds of hosts (long lists compile to a shallow expression, within the text bounds)", async () => {
    const hosts = Array.from({ length: 300 }, (_, i) => `h${i}.example.com`);
    const g = await governor({
      version: 1,
      defaultAction: "deny",
      rules: [{ id: "allow-many", action: "allow", actionClasses: ["network"], hosts }],
    });
    for (const h of ["h0.example.com", "h150.example.com", "h299.example.com"])
      expect(g.decide("a", cmd(`curl https://${h}/x`))).toMatchObject({ outcome: "allow" });
    expect(g.decide("a", cmd("curl https://h300.example.com/x"))).toMatchObject({ outcome: "deny" });
  });

  it("lets a matching deny win over any allow, whatever the rule order (Cedar's precedence)", async () => {
    const allowFirst = await governor({
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "allow-all", action: "allow" },
        { id: "no-rm-rf", action: "deny", commands: ["rm -rf *"] },
        { id: "no-etc", action: "deny", paths: ["/etc/*"] },
      ],
    });
    expect(allowFirst.decide("a", cmd("rm -rf build"))).toMatchObject({
      outcome: "deny",
      reasonCode: "rule:no-rm-rf",
    });
    expect(allowFirst.decide("a", cmd("rm build"))).toMatchObject({
      outcome: "allow",
      reasonCode: "rule:allow-all",
    });
    expect(allowFirst.decide("a", cmd("cp notes.txt /etc/../etc/hosts"))).toMatchObject({
      outcome: "deny",
      ruleIds: ["no-etc"],
      paths: ["/work/notes.txt", "/etc/hosts"],
    });
  });

  it("matches binaries by name or by path", async () => {
    const g = await governor({
      version: 1,
      defaultAction: "allow",
      rules: [
        { id: "no-docker", action: "deny", binaries: ["docker"] },
        { id: "no-local-bin", action: "deny", binaries: ["/usr/local/bin/*"] },
      ],
    });
    expect(g.decide("a", cmd("docker ps")).reasonCode).toBe("rule:no-docker");
    expect(g.decide("a", cmd("/usr/local/bin/tool x")).reasonCode).toBe("rule:no-local-bin");
    expect(g.decide("a", cmd("/usr/bin/tool x")).reasonCode).toBe("default_allow");
  });

  it("applies the same rules to SDK actions, except shell-only matchers", async () => {
    const g = await governor({
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "reads", action: "allow", actionClasses: ["read", "write_low"] },
        { id: "no-git-cmds", action: "deny", commands: ["git *"] },
        { id: "hosts", action: "allow", actionClasses: ["network"], hosts: ["*.example.com"] },
      ],
    });
    const act = (actionClass: "read" | "network" | "delete", hosts?: string[]) =>
      g.decide("a", { kind: "action", action: "execute", target: "r1", actionClass, hosts });
    expect(act("read")).toMatchObject({ outcome: "allow", reasonCode: "rule:reads" });
    expect(act("delete")).toMatchObject({ outcome: "deny", reasonCode: "default_deny" });
    expect(act("network", ["api.example.com"])).toMatchObject({ outcome: "allow", reasonCode: "rule:hosts" });
    expect(act("network", ["example.com"])).toMatchObject({ outcome: "deny" });
    expect(act("network")).toMatchObject({ outcome: "deny" });
  });

  it("applies modes: strict blocks, permissive blocks only rule denies, audit blocks nothing", async () => {
    const policy: PolicyDocument = {
      version: 1,
      defaultAction: "deny",
      rules: [
        { id: "reads", action: "allow", actionClasses: ["read"] },
        { id: "no-rm", action: "deny", binaries: ["rm"] },
      ],
    };
    const decide = async (mode: Mode, line: string) => (await governor(policy, mode)).decide("a", cmd(line));
    expect(await decide("strict", "rm x")).toMatchObject({ outcome: "deny", block: true });
    expect(await decide("strict", "git push")).toMatchObject({ outcome: "deny", block: true });
    expect(await decide("permissive", "rm x")).toMatchObject({ outcome: "deny", block: true });
    expect(await decide("permissive", "git push")).toMatchObject({ outcome: "deny", block: false });
    expect(await decide("audit", "rm x")).toMatchObject({
      outcome: "deny",
      block: false,
      reasonCode: "rule:no-rm",
    });
    expect(await decide("audit", "ls")).toMatchObject({ outcome: "allow", block: false });
  });

  it("denies everything with the default policy", async () => {
    const g = await governor(DENY_ALL_POLICY);
    expect(g.decide("a", cmd("ls"))).toMatchObject({
      outcome: "deny",
      reasonCode: "default_deny",
      block: true,
    });
  });

  it("decides in microseconds", async () => {
    const g = await governor(SEED_POLICY);
    const started = performance.now();
    for (let i = 0; i < 200; i++) g.decide("a", cmd("git status"));
    expect((performance.now() - started) / 200).toBeLessThan(5); // ms; the bench measures it properly
  });
});

describe("command classification table", () => {
  // The table of docs/receipts-policy.md, row by row.
  const TABLE: [string, string][] = [
    ["git status", "read"],
    ["git log --oneline", "read"],
    ["git diff HEAD~1", "read"],
    ["git branch", "read"],
    ["git add .", "write_low"],
    ["git commit -m x", "write_low"],
    ["git branch feature", "write_low"],
    ["git branch -D feature", "delete"],
    ["git reset --hard HEAD", "delete"],
    ["git clean -fd", "delete"],
    ["git clean -n", "read"],
    ["git push origin main", "write_high"],
    ["git push --force", "write_high"],
    ["git clone https://github.com/a/b", "network"],
    ["git pull", "network"],
    ["git frobnicate", "write_low"],
    ["ls -la", "read"],
    ["cat README.md", "read"],
    ["grep -r foo .", "read"],
    ["find . -name x", "read"],
    ["find . -name x -delete", "delete"],
    ["find . -exec rm {} ;", "exec"],
    ["sed s/a/b/ f", "read"],
    ["sed -i s/a/b/ f", "write_low"],
    ["mkdir -p out", "write_low"],
    ["cp a b", "write_low"],
    ["mv a b", "write_low"],
    ["rm file", "delete"],
    ["rm -rf build", "delete"],
    ["rmdir d", "delete"],
    ["chmod 777 f", "write_high"],
    ["kill 123", "write_high"],
    ["curl https://example.com", "network"],
    ["wget https://example.com/f", "network"],
    ["ssh host ls", "network"],
    ["scp f host:/tmp", "network"],
    ["rsync -a src/ host:dst/", "network"],
    ["rsync -a src/ dst/", "write_low"],
    ["rsync -a --delete src/ dst/", "delete"],
    ["npm install", "network"],
    ["npm ci", "network"],
    ["npm test", "exec"],
    ["npm run build", "exec"],
    ["npm publish", "write_high"],
    ["npx something", "exec"],
    ["pip install requests", "network"],
    ["pip3 list", "read"],
    ["pip uninstall x", "delete"],
    ["uv pip install x", "network"],
    ["uv run script.py", "exec"],
    ["docker ps", "read"],
    ["docker pull img", "network"],
    ["docker push img", "write_high"],
    ["docker run img", "exec"],
    ["docker rm c", "delete"],
    ["kubectl get pods", "read"],
    ["kubectl apply -f x.yaml", "write_high"],
    ["kubectl delete pod p", "delete"],
    ["kubectl exec p -- sh", "exec"],
    ["node script.js", "exec"],
    ["python3 -c print(1)", "exec"],
    ["bash -c ls", "exec"],
    ["xargs rm", "exec"],
    ["sudo ls", "write_high"],
    ["sudo rm -rf /", "delete"],
    ["sudo -u bob cat f", "write_high"],
    ["env FOO=1 git status", "read"],
    ["timeout 5 curl https://x.test", "network"],
    ["env", "read"],
    ["my-own-tool --flag", "exec"],
    ["/opt/weird/bin/frob", "exec"],
  ];
  it.each(TABLE)("%s -> %s", (line, expected) => {
    const [binary, ...args] = line.split(" ");
    expect(classifyCommand(binary!, args).actionClass).toBe(expected);
  });

  it("finds hosts and files, resolving relative paths and ~", () => {
    const c = classifyCommand(
      "curl",
      ["-H", "Authorization: x", "-o", "out.json", "https://API.Example.com/v1"],
      {
        cwd: "/w",
        home: "/home/u",
      },
    );
    expect(c).toMatchObject({ hosts: ["api.example.com"], paths: ["/w/out.json"] });
    expect(classifyCommand("git", ["clone", "git@github.com:a/b.git"]).hosts).toEqual(["github.com"]);
    expect(classifyCommand("ssh", ["-p", "22", "deploy@prod.example.com", "uptime"]).hosts).toEqual([
      "prod.example.com",
    ]);
    expect(classifyCommand("rm", ["-rf", "~/x", "../y"], { cwd: "/w/sub", home: "/home/u" }).paths).toEqual([
      "/home/u/x",
      "/w/y",
    ]);
    expect(classifyCommand("chmod", ["600", "key"], { cwd: "/w" }).paths).toEqual(["/w/key"]);
  });
});
