/**
 * Splits a shell command string (what `sh -c` runs, what Claude Code's Bash tool sends) into the
 * simple commands it would run, so that each can be decided like a command from any other channel.
 *
 * Best effort and conservative, not a shell: quotes, escapes, `;` `&&` `||` `|` `&` newlines, groups,
 * comments, here-documents, leading `VAR=value` assignments and the words of `if/while/for/case`
 * are understood; command substitutions (`$(…)`, backticks, `<(…)`) are split recursively and their
 * commands decided too; output redirections are reported as files written. Anything it cannot read
 * statically (a program named by `$VAR`, `eval`) is still returned as a command whose name is the text,
 * which the classification table treats as an unknown program (`exec`).
 */
export interface ShellSplit {
  /** Simple commands in order: `argv[0]` is the program as written. */
  commands: string[][];
  /** Files named by output redirections (`>`, `>>`, `&>`, `>|`), as written. */
  writes: string[];
}

const MAX_DEPTH = 8;
const KEYWORDS_DROP = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"]);
const KEYWORDS_END = new Set(["fi", "done", "esac", "}"]);
const KEYWORDS_SKIP = new Set(["for", "select", "case", "function"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

interface Word {
  text: string;
  /** The word was quoted or escaped somewhere, so it is never a keyword or an operator. */
  quoted: boolean;
}

type Token = { kind: "word"; word: Word } | { kind: "sep" } | { kind: "redirect"; op: string };

export function splitShellCommand(text: string): ShellSplit {
  const out: ShellSplit = { commands: [], writes: [] };
  splitInto(text, out, 0);
  return out;
}

function splitInto(text: string, out: ShellSplit, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.commands.push([text]);
    return;
  }
  const tokens = tokenize(text, (inner) => splitInto(inner, out, depth + 1));
  let current: Word[] = [];
  let pendingRedirect: string | undefined;
  let skipping = false;
  const flush = () => {
    if (!skipping) {
      let words = current;
      // Keywords that only introduce or close a command.
      while (words.length > 0 && !words[0]!.quoted && KEYWORDS_DROP.has(words[0]!.text))
        words = words.slice(1);
      while (words.length > 0 && !words[0]!.quoted && KEYWORDS_END.has(words[0]!.text))
        words = words.slice(1);
      // `VAR=value cmd`: the assignments are not the program.
      while (words.length > 0 && ASSIGNMENT.test(words[0]!.text)) words = words.slice(1);
      // `exec cmd` replaces the shell with cmd: cmd is what runs.
      while (words.length > 0 && !words[0]!.quoted && words[0]!.text === "exec") words = words.slice(1);
      // `[[ … ]]` is a test the shell evaluates itself.
      if (words.length > 0 && !(words[0]!.text === "[[" && !words[0]!.quoted))
        out.commands.push(words.map((w) => w.text));
    }
    current = [];
    skipping = false;
  };
  for (const t of tokens) {
    if (t.kind === "sep") {
      flush();
      pendingRedirect = undefined;
      continue;
    }
    if (t.kind === "redirect") {
      pendingRedirect = t.op;
      continue;
    }
    if (pendingRedirect !== undefined) {
      if (/^(>|>>|>\||&>|&>>|\d*>|\d*>>|\d*>\|)$/.test(pendingRedirect) && !/^&?\d*-?$/.test(t.word.text))
        out.writes.push(t.word.text);
      pendingRedirect = undefined;
      continue;
    }
    if (current.length === 0 && !t.word.quoted && KEYWORDS_SKIP.has(t.word.text)) {
      // `for x in a b`, `case $x in`: words that are data, not a command. `function f` likewise.
      skipping = true;
    }
    if (current.length === 0 && !t.word.quoted && t.word.text === "in" && skipping) continue;
    current.push(t.word);
  }
  flush();
}

/**
 * Turns shell text into words, separators and redirection operators. Substitutions are handed to
 * `nested` (and stay in the word as written); here-document bodies are skipped.
 */
function tokenize(text: string, nested: (inner: string) => void): Token[] {
  const tokens: Token[] = [];
  const heredocs: { delim: string }[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endWord = () => {
    if (inWord) tokens.push({ kind: "word", word: { text: word, quoted } });
    word = "";
    inWord = false;
    quoted = false;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "\\") {
      if (text[i + 1] === "\n") {
        i += 2;
        continue;
      }
      if (i + 1 < n) word += text[i + 1];
      inWord = true;
      quoted = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? n : end;
      word += text.slice(i + 1, stop);
      inWord = true;
      quoted = true;
      i = stop + 1;
      continue;
    }
    if (c === '"') {
      i++;
      inWord = true;
      quoted = true;
      while (i < n && text[i] !== '"') {
        const d = text[i]!;
        if (d === "\\" && i + 1 < n && '$`"\\\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== "\n") word += text[i + 1];
          i += 2;
          continue;
        }
        if (d === "$" && text[i + 1] === "(") {
          const end = matchParen(text, i + 1);
          word += text.slice(i, end + 1);
          if (text[i + 2] !== "(") nested(text.slice(i + 2, end));
          i = end + 1;
          continue;
        }
        if (d === "`") {
          const end = matchBacktick(text, i);
          word += text.slice(i, end + 1);
          nested(text.slice(i + 1, end).replace(/\\`/g, "`"));
          i = end + 1;
          continue;
        }
        word += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === "$" && text[i + 1] === "(") {
      const end = matchParen(text, i + 1);
      word += text.slice(i, end + 1);
      inWord = true;
      // `$((…))` is arithmetic, not a command.
      if (text[i + 2] !== "(") nested(text.slice(i + 2, end));
      i = end + 1;
      continue;
    }
    if (c === "`") {
      const end = matchBacktick(text, i);
      word += text.slice(i, end + 1);
      inWord = true;
      nested(text.slice(i + 1, end).replace(/\\`/g, "`"));
      i = end + 1;
      continue;
    }
    if ((c === "<" || c === ">") && text[i + 1] === "(" && !inWord) {
      const end = matchParen(text, i + 1);
      nested(text.slice(i + 2, end));
      tokens.push({ kind: "word", word: { text: text.slice(i, end + 1), quoted: true } });
      i = end + 1;
      continue;
    }
    if (c === "#" && !inWord) {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === " " || c === "\t") {
      endWord();
      i++;
      continue;
    }
    if (c === "\n") {
      endWord();
      tokens.push({ kind: "sep" });
      i++;
      // Here-document bodies follow the line that introduced them.
      for (const h of heredocs.splice(0)) {
        while (i < n) {
          const eol = text.indexOf("\n", i);
          const line = text.slice(i, eol < 0 ? n : eol);
          i = eol < 0 ? n : eol + 1;
          if (line.replace(/^\t+/, "") === h.delim) break;
        }
      }
      continue;
    }
    if (c === "(" && text[i + 1] === "(" && !inWord) {
      // `(( … ))`: arithmetic, evaluated by the shell.
      const end = matchParen(text, i);
      tokens.push({ kind: "sep" });
      i = end + 1;
      continue;
    }
    if (c === ";" || c === "|" || c === "&" || c === "(" || c === ")") {
      if (c === "&" && text[i + 1] === ">") {
        endWord();
        const op = text[i + 2] === ">" ? "&>>" : "&>";
        tokens.push({ kind: "redirect", op });
        i += op.length;
        continue;
      }
      // `2>&1`, `>&2`: part of a redirection handled below.
      endWord();
      tokens.push({ kind: "sep" });
      i +=
        (c === "&" || c === "|" || c === ";") && text[i + 1] === c
          ? 2
          : c === "|" && text[i + 1] === "&"
            ? 2
            : 1;
      continue;
    }
    if (c === ">" || c === "<") {
      // A digit-only word just before is the fd (`2>`).
      let op = "";
      if (inWord && /^\d+$/.test(word) && !quoted) {
        op = word;
        word = "";
        inWord = false;
      } else {
        endWord();
      }
      op += c;
      i++;
      if (c === "<" && text[i] === "<") {
        // Here-document (`<<`, `<<-`) or here-string (`<<<`).
        if (text[i + 1] === "<") {
          tokens.push({ kind: "redirect", op: "<<<" });
          i += 2;
          continue;
        }
        i++;
        if (text[i] === "-") i++;
        while (text[i] === " " || text[i] === "\t") i++;
        let delim = "";
        while (i < n && !" \t\n;&|<>()".includes(text[i]!)) {
          if (text[i] !== "'" && text[i] !== '"' && text[i] !== "\\") delim += text[i];
          i++;
        }
        heredocs.push({ delim });
        continue;
      }
      while (i < n && (text[i] === ">" || text[i] === "|" || text[i] === "&")) {
        op += text[i];
        i++;
      }
      // `>&2`, `2>&1`: duplicating a descriptor, no file.
      if (op.endsWith("&")) {
        while (i < n && /[0-9-]/.test(text[i]!)) i++;
        continue;
      }
      tokens.push({ kind: "redirect", op });
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  endWord();
  return tokens;
}

/** Index of the `)` closing the `(` at `open`, skipping quotes and nested parentheses. */
function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return text.length;
      i = end;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") i++;
        i++;
      }
    } else if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return text.length;
}

function matchBacktick(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "`") return i;
  }
  return text.length;
}

/**
 * Shell builtins that act only on the shell itself (its variables, directory, options, jobs): running
 * them is not an action on the system, so they are not decided. `cd` is reported so that callers can
 * follow the working directory. `source`/`.`/`eval` are not here: they run code.
 */
export const SHELL_ONLY_BUILTINS: ReadonlySet<string> = new Set([
  "cd",
  "pushd",
  "popd",
  "dirs",
  "export",
  "local",
  "declare",
  "typeset",
  "readonly",
  "set",
  "unset",
  "shift",
  "return",
  "exit",
  "break",
  "continue",
  "read",
  "readarray",
  "mapfile",
  "wait",
  "trap",
  "shopt",
  "alias",
  "unalias",
  "let",
  "getopts",
  "hash",
  "umask",
  "jobs",
  "fg",
  "bg",
  "disown",
  ":",
  "true",
  "false",
  "test",
  "[",
  "echo",
  "printf",
  "type",
  "builtin",
  "ulimit",
]);

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"]);

/**
 * When `argv` runs a shell on a string (`sh -c 'rm x'`, `bash -lc …`, `/bin/sh -ec …`), that string;
 * otherwise undefined. Shells are transparent to governance: what is decided is what they run.
 */
export function shellCommandString(binary: string, args: readonly string[]): string | undefined {
  const name = binary.slice(binary.lastIndexOf("/") + 1);
  if (!SHELLS.has(name)) return undefined;
  let sawC = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--" || a === "-") return sawC ? args[i + 1] : undefined;
    if (a.startsWith("-") || a.startsWith("+")) {
      if (a === "-o" || a === "+o" || a === "-O" || a === "+O") {
        i++;
        continue;
      }
      if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) sawC = true;
      continue;
    }
    return sawC ? a : undefined;
  }
  return undefined;
}
