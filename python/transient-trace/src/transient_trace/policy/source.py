"""Where the policy comes from, as packages/core/src/policy/source.ts: never a fall-through to a weaker one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError
from ..state.paths import POLICY_PATH_ENV, resolve_path
from .document import (
    DENY_ALL_POLICY,
    format_policy_problems,
    parse_policy_text,
    validate_policy,
)


@dataclass(frozen=True)
class LoadedPolicy:
    policy: dict[str, Any]
    #: "given", "env", "project" or "default".
    source: str
    #: A file path, ``inline JSON``, ``dict`` or ``built-in deny-all``.
    where: str


def load_policy(given: Any = None, env: Mapping[str, str] | None = None, cwd: str | None = None) -> LoadedPolicy:
    """
    ``given`` (a dict, JSON text, or a file path), else ``$ATP_POLICY_PATH``, else
    ``./.atp/policy.json``, else deny-all.
    @raises ConfigurationError when the chosen policy cannot be read or is not valid.
    """
    env = os.environ if env is None else env
    cwd = cwd or os.getcwd()
    if isinstance(given, dict):
        checked = validate_policy(given)
        if not checked.ok or checked.policy is None:
            raise ConfigurationError("invalid policy:\n" + format_policy_problems(checked.errors, "policy"))
        return LoadedPolicy(checked.policy, "given", "dict")
    if given is not None and not isinstance(given, (str, os.PathLike)):
        raise ConfigurationError(f"policy must be a dict, JSON text or a file path, got {type(given).__name__}")
    if given is not None and str(given) != "":
        text = str(given)
        if isinstance(given, str) and text.lstrip().startswith("{"):
            return LoadedPolicy(_parse(text, "inline JSON"), "given", "inline JSON")
        path = resolve_path(os.fspath(given), cwd)
        return LoadedPolicy(_parse(_read(path), path), "given", path)
    from_env = env.get(POLICY_PATH_ENV)
    if from_env:
        path = resolve_path(from_env, cwd)
        return LoadedPolicy(_parse(_read(path), path), "env", path)
    project = os.path.join(cwd, ".atp", "policy.json")
    try:
        with open(project, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return LoadedPolicy(DENY_ALL_POLICY, "default", "built-in deny-all")
    except OSError as err:
        raise ConfigurationError(f"cannot read {project}: {err}") from err
    return LoadedPolicy(_parse(text, project), "project", project)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigurationError(f"cannot read the policy {path}: {err}") from err


def _parse(text: str, where: str) -> dict[str, Any]:
    parsed = parse_policy_text(text)
    if not parsed.ok or parsed.policy is None:
        raise ConfigurationError("invalid policy:\n" + format_policy_problems(parsed.errors, where))
    return parsed.policy
