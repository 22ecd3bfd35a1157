"""
A JSON policy translated into Cedar over the request model, the same text
packages/core/src/policy/to-cedar.ts produces (tests compare the two on the shared vectors).
"""

from __future__ import annotations

from typing import Any

DEFAULT_ALLOW_POLICY_ID = "trusera.default-allow"


def cedar_string(text: str) -> str:
    """A Cedar string literal: ``"``, ``\\`` and control characters escaped the way Cedar reads them."""
    out = ['"']
    for ch in text:
        c = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif c < 0x20 or c == 0x7F:
            out.append(f"\\u{{{c:x}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _any_of(tests: list[str]) -> str:
    # As core's anyOf: past 8 alternatives, halves nested, so that long host or path lists stay shallow
    # (the engine evaluates || recursively; deep text is refused by the bounds).
    if len(tests) == 1:
        return tests[0]
    if len(tests) <= 8:
        return "(" + " || ".join(tests) + ")"
    half = (len(tests) + 1) // 2
    return "(" + _any_of(tests[:half]) + " || " + _any_of(tests[half:]) + ")"


def _like(subject: str, pattern: str) -> str:
    # `*` stays a wildcard (Cedar's own); everything else is literal.
    return f"{subject} like {cedar_string(pattern)}" if "*" in pattern else f"{subject} == {cedar_string(pattern)}"


def _expand_home(pattern: str, home: str) -> str:
    if pattern == "~":
        return home
    return (home[:-1] if home.endswith("/") else home) + pattern[1:] if pattern.startswith("~/") else pattern


def _conditions(rule: dict[str, Any], home: str) -> list[str]:
    out: list[str] = []
    if "actionClasses" in rule:
        out.append("[" + ", ".join(cedar_string(c) for c in rule["actionClasses"]) + "].contains(context.action_class)")
    if "binaries" in rule:
        out.append(_any_of([_like("resource.binary" if "/" in b else "resource.name", b) for b in rule["binaries"]]))
    if "commands" in rule:
        tests: list[str] = []
        for c in rule["commands"]:
            tests.append(_like("context.command", c))
            if not c.endswith("*"):
                tests.append(_like("context.command", f"{c} *"))
        out.append(_any_of(tests))
    if "hosts" in rule:
        out.append('context.host != "" && ' + _any_of([_like("context.host", h) for h in rule["hosts"]]))
    if "paths" in rule:
        out.append('context.path != "" && ' + _any_of([_like("context.path", _expand_home(p, home)) for p in rule["paths"]]))
    return out


def policy_to_cedar(policy: dict[str, Any], home: str = "/") -> str:
    """
    One ``permit`` or ``forbid`` per rule, ``@id`` the rule's id. A rule with ``commands`` or
    ``binaries`` applies to shell commands only; any other rule to shell commands and SDK actions
    alike. ``defaultAction`` is not a policy: it is the default decision the set is compiled with.
    """
    parts = []
    for rule in policy["rules"]:
        effect = "permit" if rule["action"] == "allow" else "forbid"
        shell_only = "commands" in rule or "binaries" in rule
        scope = 'action == Action::"shell_exec"' if shell_only else 'action in [Action::"shell_exec", Action::"agent_action"]'
        when = _conditions(rule, home)
        head = f"@id({cedar_string(rule['id'])})\n{effect} (principal, {scope}, resource)"
        parts.append(f"{head};" if not when else head + "\nwhen {\n  " + " &&\n  ".join(when) + "\n};")
    return "\n\n".join(parts)


def policy_uses(policy: dict[str, Any]) -> tuple[bool, bool]:
    """Whether any rule looks at hosts / paths: only then is an action decided once per host / file."""
    rules = policy["rules"]
    return any("hosts" in r for r in rules), any("paths" in r for r in rules)
