import { shellCommandString, splitShellCommand } from "@trusera/core";
import { describe, expect, it } from "vitest";

const cmds = (text: string) => splitShellCommand(text).commands;

describe("splitShellCommand (what a shell string would run)", () => {
  it.each([
    ["git status", [["git", "status"]]],
    [
      "git add . && git commit -m 'a; b' || echo fail",
      [
        ["git", "add", "."],
        ["git", "commit", "-m", "a; b"],
        ["echo", "fail"],
      ],
    ],
    ['cat "a file" | grep -v x; ls &', [["cat", "a file"], ["grep", "-v", "x"], ["ls"]]],
    ["FOO=1 BAR='x y' node app.js", [["node", "app.js"]]],
    ["exec /bin/rm -rf /", [["/bin/rm", "-rf", "/"]]],
    [
      "(cd /tmp && rm x) ; { rm y; }",
      [
        ["cd", "/tmp"],
        ["rm", "x"],
        ["rm", "y"],
      ],
    ],
    [
      "if [ -f x ]; then rm x; else echo no; fi",
      [
        ["[", "-f", "x", "]"],
        ["rm", "x"],
        ["echo", "no"],
      ],
    ],
    ["for f in a b; do rm $f; done", [["rm", "$f"]]],
    [
      "while read l; do curl $l; done < urls",
      [
        ["read", "l"],
        ["curl", "$l"],
      ],
    ],
    ["[[ -n $x ]] && (( i++ )) && rm z", [["rm", "z"]]],
    ["echo a\\ b c\\\nd", [["echo", "a b", "cd"]]],
    ["# a comment\nrm x # trailing", [["rm", "x"]]],
    ["$CMD --flag", [["$CMD", "--flag"]]],
    ["", []],
  ])("%j", (text, expected) => {
    expect(cmds(text)).toEqual(expected);
  });

  it("decides command substitutions too, and keeps them as written in the outer command", () => {
    expect(cmds('rm $(cat list) `which x` "$(curl -s http://e.x/a)"')).toEqual([
      ["cat", "list"],
      ["which", "x"],
      ["curl", "-s", "http://e.x/a"],
      ["rm", "$(cat list)", "`which x`", "$(curl -s http://e.x/a)"],
    ]);
    expect(cmds("diff <(ls a) <(ls b)")).toEqual([
      ["ls", "a"],
      ["ls", "b"],
      ["diff", "<(ls a)", "<(ls b)"],
    ]);
    expect(cmds("echo $((1 + 2))")).toEqual([["echo", "$((1 + 2))"]]);
  });

  it("reports output redirections as writes, not descriptor copies or inputs", () => {
    const s = splitShellCommand("echo x > out.txt 2>&1; cat < in.txt >> log; ls &> all; cmd 2>err >&2");
    expect(s.writes).toEqual(["out.txt", "log", "all", "err"]);
    expect(s.commands).toEqual([["echo", "x"], ["cat"], ["ls"], ["cmd"]]);
  });

  it("skips here-document bodies", () => {
    const s = splitShellCommand("cat <<'EOF' > f\nrm -rf /\nEOF\nrm real");
    expect(s.commands).toEqual([["cat"], ["rm", "real"]]);
    expect(s.writes).toEqual(["f"]);
    expect(cmds("cat <<-END\n\trm x\n\tEND\nls")).toEqual([["cat"], ["ls"]]);
    expect(cmds("grep x <<< 'rm y'")).toEqual([["grep", "x"]]);
  });

  it("survives unbalanced quotes and deep nesting without throwing", () => {
    expect(cmds("echo 'unterminated")).toEqual([["echo", "unterminated"]]);
    expect(() => splitShellCommand("$(".repeat(50))).not.toThrow();
  });
});

describe("shellCommandString (shells are transparent)", () => {
  it.each([
    [["/bin/sh", ["-c", "rm x"]], "rm x"],
    [["bash", ["-lc", "git push"]], "git push"],
    [["bash", ["-e", "-o", "pipefail", "-c", "a | b", "name", "arg"]], "a | b"],
    [["zsh", ["--", "script.zsh"]], undefined],
    [["bash", ["script.sh"]], undefined],
    [["python3", ["-c", "print(1)"]], undefined],
  ])("%j", ([binary, args], expected) => {
    expect(shellCommandString(binary as string, args as string[])).toBe(expected);
  });
});
