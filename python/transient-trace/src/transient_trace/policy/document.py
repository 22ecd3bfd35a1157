"""
The JSON policy format of transient-trace (docs/receipts-policy.md), checked as
packages/core/src/policy/document.ts checks it: unknown members are errors, so a typo such as
``actionClass`` fails loudly instead of matching everything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .json_locate import JsonSyntaxError, parse_json_located
from .modes import ACTION_CLASSES, is_action_class

MATCHERS = ("actionClasses", "hosts", "commands", "binaries", "paths")
_RULE_MEMBERS = ("id", "action", "description", *MATCHERS)
_TOP_MEMBERS = {"version", "defaultAction", "rules", "name", "description", "$schema"}
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_HOST = re.compile(r"[A-Za-z0-9.*:\[\]_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_RULES = 10_000
MAX_PATTERNS = 1_000
MAX_PATTERN_LENGTH = 1_024

#: What the SDK uses when no policy is given anywhere: everything is denied.
DENY_ALL_POLICY: dict[str, Any] = {"version": 1, "defaultAction": "deny", "rules": [], "name": "default deny-all"}


@dataclass(frozen=True)
class PolicyProblem:
    """A fault in a policy, placed by JSON Pointer and, when parsed from text, by line and column."""

    pointer: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class PolicyParseResult:
    ok: bool
    policy: dict[str, Any] | None = None
    errors: tuple[PolicyProblem, ...] = ()


def _js(value: Any) -> str:
    """JSON.stringify's spelling of a value in messages (undefined for a missing one)."""
    return "undefined" if value is _MISSING else json.dumps(value, ensure_ascii=False)


_MISSING = object()


def parse_policy_text(text: str) -> PolicyParseResult:
    """Reads a policy from JSON text; errors carry line and column."""
    try:
        located = parse_json_located(text)
    except JsonSyntaxError as err:
        return PolicyParseResult(False, errors=(PolicyProblem("", f"invalid JSON: {err}", err.line, err.column),))
    return validate_policy(located.value, located.position_of)


def validate_policy(value: Any, locate: Callable[[str], tuple[int, int]] | None = None) -> PolicyParseResult:
    """Checks a policy value and returns a normalized copy (host patterns lower-cased)."""
    errors: list[PolicyProblem] = []

    def err(pointer: str, message: str) -> None:
        line, column = locate(pointer) if locate else (None, None)
        errors.append(PolicyProblem(pointer, message, line, column))

    if not isinstance(value, dict):
        err("", "a policy must be a JSON object")
        return PolicyParseResult(False, errors=tuple(errors))
    for key in value:
        if key not in _TOP_MEMBERS:
            err(f"/{key}#key", f'unknown member "{key}" (known: version, defaultAction, rules, name, description)')
    version = value.get("version", _MISSING)
    if version != 1 or isinstance(version, bool):
        err("/version", f'"version" must be 1, got {_js(version)}')
    default = value.get("defaultAction", _MISSING)
    if default not in ("allow", "deny"):
        err("/defaultAction", f'"defaultAction" must be "allow" or "deny", got {_js(default)}')
    for k in ("name", "description"):
        if k in value and not isinstance(value[k], str):
            err(f"/{k}", f'"{k}" must be a string')
    rules: list[dict[str, Any]] = []
    if "rules" in value and not isinstance(value["rules"], list):
        err("/rules", '"rules" must be an array')
    raw_rules = value["rules"] if isinstance(value.get("rules"), list) else []
    if len(raw_rules) > MAX_RULES:
        err("/rules", f"at most {MAX_RULES} rules")
    ids: dict[str, int] = {}
    for n, raw in enumerate(raw_rules):
        at = f"/rules/{n}"
        if not isinstance(raw, dict):
            err(at, f"rule {n} must be an object")
            continue
        rid = raw.get("id", _MISSING)
        label = f'rule "{rid}"' if isinstance(rid, str) else f"rule {n}"
        for key in raw:
            if key not in _RULE_MEMBERS:
                err(f"{at}/{key}#key", f'{label}: unknown member "{key}" (known: {", ".join(_RULE_MEMBERS)})')
        if not isinstance(rid, str) or not _RULE_ID.fullmatch(rid):
            err(f"{at}/id", f'{label}: "id" must be 1-128 characters of letters, digits, "_", ".", ":" or "-"')
        elif rid in ids:
            err(f"{at}/id", f"{label}: duplicate id (also rule {ids[rid]})")
        elif rid.startswith("trusera."):
            err(f"{at}/id", f'{label}: ids starting with "trusera." are reserved')
        else:
            ids[rid] = n
        action = raw.get("action", _MISSING)
        if action not in ("allow", "deny"):
            err(f"{at}/action", f'{label}: "action" must be "allow" or "deny", got {_js(action)}')
        if "description" in raw and not isinstance(raw["description"], str):
            err(f"{at}/description", f'{label}: "description" must be a string')
        rule: dict[str, Any] = {"id": str(rid), "action": action}
        if isinstance(raw.get("description"), str):
            rule["description"] = raw["description"]
        for m in MATCHERS:
            if m not in raw:
                continue
            v = raw[m]
            if not isinstance(v, list) or len(v) == 0:
                err(f"{at}/{m}", f'{label}: "{m}" must be a non-empty array of strings (leave it out to match any)')
                continue
            if len(v) > MAX_PATTERNS:
                err(f"{at}/{m}", f'{label}: at most {MAX_PATTERNS} entries in "{m}"')
            out: list[str] = []
            for j, p in enumerate(v):
                problem = _pattern_problem(m, p)
                if problem:
                    err(f"{at}/{m}/{j}", f"{label}: {m}[{j}] {problem}")
                else:
                    out.append(p.lower() if m == "hosts" else p)
            rule[m] = out
        rules.append(rule)
    if errors:
        return PolicyParseResult(False, errors=tuple(errors))
    policy: dict[str, Any] = {"version": 1, "defaultAction": default, "rules": rules}
    for k in ("name", "description"):
        if isinstance(value.get(k), str):
            policy[k] = value[k]
    return PolicyParseResult(True, policy=policy)


def _pattern_problem(matcher: str, p: Any) -> str | None:
    if not isinstance(p, str) or p == "":
        return "must be a non-empty string"
    if _utf16_len(p) > MAX_PATTERN_LENGTH:
        return f"is longer than {MAX_PATTERN_LENGTH} characters"
    if _CONTROL.search(p):
        return "contains a control character"
    if matcher == "actionClasses" and not is_action_class(p):
        return f'is an unknown action class "{p}" (known: {", ".join(ACTION_CLASSES)})'
    if matcher == "hosts" and not _HOST.fullmatch(p):
        return f'"{p}": a host pattern may hold only letters, digits, ".", "-", ":", "[]" and "*"'
    if matcher == "paths" and not (p.startswith("/") or p.startswith("*") or p == "~" or p.startswith("~/")):
        return f'"{p}": a path pattern must be absolute, start with "~/" or start with "*"'
    return None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def format_policy_problems(errors: tuple[PolicyProblem, ...] | list[PolicyProblem], file: str = "policy") -> str:
    """``file:3:14: message`` lines for people."""
    return "\n".join(f"{file}:{e.line}:{e.column}: {e.message}" if e.line else f"{file}: {e.message}" for e in errors)
