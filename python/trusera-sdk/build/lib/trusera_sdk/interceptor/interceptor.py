"""``intercept()`` and ``TruseraInterceptor``: every outbound HTTP call of requests, httpx (sync and
async), urllib3, aiohttp and urllib.request is decided with Cedar before it is sent and recorded as
an ``api_call`` event after. ``uninstall()`` puts every original back."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urljoin

from ..cedar.evaluator import CedarEvaluator
from ..errors import ConfigurationError
from ..policy.decide import ENFORCEMENT_MODES
from . import registry
from .adapters import aiohttp_adapter, httpx_adapter, requests_adapter, urllib3_adapter, urllib_adapter
from .bundle import BundleStatus, PolicyBundleSource
from .core import DecisionCore

_ADAPTERS = (requests_adapter, httpx_adapter, urllib3_adapter, aiohttp_adapter, urllib_adapter)
_install_lock = threading.Lock()


@dataclass(frozen=True)
class InterceptorStatus:
    installed: bool
    enforcement: str | None
    hooks: tuple[str, ...]  # the libraries hooked, e.g. ("requests", "httpx", ...)
    policy_source: str  # "none" | "evaluator" | "bundle"
    policy: BundleStatus | None


def _compile_excludes(patterns: Iterable[str | re.Pattern[str]] | None) -> re.Pattern[str] | None:
    if not patterns:
        return None
    if isinstance(patterns, (str, re.Pattern)):
        patterns = [patterns]
    sources = []
    for p in patterns:
        text = p.pattern if isinstance(p, re.Pattern) else p
        if not isinstance(text, str):
            raise ConfigurationError(f"exclude_patterns must be regular expressions (strings), got {p!r}")
        try:
            re.compile(text)
        except re.error as err:
            raise ConfigurationError(f"exclude_patterns: {text!r} is not a regular expression: {err}") from None
        sources.append(f"(?:{text})")
    return re.compile("|".join(sources))


class TruseraInterceptor:
    """Hooks the HTTP libraries that are installed. One interceptor is installed at a time.

    Example::

        interceptor = TruseraInterceptor()
        interceptor.install(client, enforcement="block", policy_url="/api/v1/policies/bundle")
        ...
        interceptor.uninstall()

    Usually made with ``intercept(client, ...)``; also a context manager that uninstalls on exit.
    """

    def __init__(self) -> None:
        self._core: DecisionCore | None = None
        self._patches: list[registry.Patch] = []
        self._bundle: PolicyBundleSource | None = None
        self._source = "none"

    def install(
        self,
        client: Any,
        enforcement: str = "log",
        cedar_evaluator: CedarEvaluator | None = None,
        policy_url: str | None = None,
        exclude_patterns: Iterable[str | re.Pattern[str]] | None = None,
        fail_closed: bool = False,
        *,
        policy_refresh_interval: float = 30.0,
        decision_cache_size: int = 1024,
    ) -> "TruseraInterceptor":
        """:raises ConfigurationError: for a bad option, or when another interceptor is installed."""
        from ..client.client import TruseraClient

        if not isinstance(client, TruseraClient):
            raise ConfigurationError("intercept() needs a TruseraClient")
        if enforcement not in ENFORCEMENT_MODES:
            raise ConfigurationError(f'enforcement must be "log", "warn" or "block", got {enforcement!r}')
        if cedar_evaluator is not None and not isinstance(cedar_evaluator, CedarEvaluator):
            raise ConfigurationError("cedar_evaluator must be a CedarEvaluator")
        if fail_closed and cedar_evaluator is None and policy_url is None:
            raise ConfigurationError("fail_closed needs a policy source: policy_url or cedar_evaluator")
        if not isinstance(decision_cache_size, int) or decision_cache_size < 0:
            raise ConfigurationError("decision_cache_size must be a whole number, 0 or more")
        if not isinstance(policy_refresh_interval, (int, float)) or policy_refresh_interval <= 0:
            raise ConfigurationError("policy_refresh_interval must be a positive number of seconds")
        exclude = _compile_excludes(exclude_patterns)
        evaluator = cedar_evaluator
        bundle_url = None
        if policy_url is not None:
            if not isinstance(policy_url, str) or not policy_url:
                raise ConfigurationError("policy_url must be a URL (absolute, or relative to the client's base_url)")
            bundle_url = urljoin(client.base_url, policy_url.lstrip("/")) if "://" not in policy_url else policy_url
            # The server validated the bundle when it was stored; it is only parsed here.
            evaluator = evaluator if evaluator is not None else CedarEvaluator(schema=None)
        with _install_lock:
            if self._core is not None:
                raise ConfigurationError("this interceptor is already installed; uninstall() it first")
            if registry.active() is not None:
                raise ConfigurationError("another TruseraInterceptor is installed; uninstall() it first")
            core = DecisionCore(client, enforcement, evaluator, exclude, bool(fail_closed), decision_cache_size)
            patches: list[registry.Patch] = []
            for adapter in _ADAPTERS:
                try:
                    patches.extend(adapter.patches())
                except Exception as err:  # noqa: BLE001 - a library we cannot hook is skipped, said once
                    client._logger.warn(f"interceptor: could not hook {adapter.LIBRARY}: {err}")
            for p in patches:
                p.apply()
            self._patches = patches
            self._core = core
            registry.set_active(core)
        self._source = "bundle" if bundle_url else ("evaluator" if evaluator is not None else "none")
        if bundle_url is not None and evaluator is not None:
            self._bundle = PolicyBundleSource(client, bundle_url, evaluator, float(policy_refresh_interval))
            core.bundle = self._bundle
            self._bundle.start()
        return self

    def uninstall(self) -> None:
        """Puts every original back and stops the policy refresh. Safe to call more than once."""
        with _install_lock:
            core = self._core
            if core is None:
                return
            for p in reversed(self._patches):
                if not p.restore():
                    core.client._logger.warn(
                        f"interceptor: {p.owner.__name__}.{p.attr} was replaced after install; left as it is"
                    )
            self._patches = []
            if registry.active() is core:
                registry.set_active(None)
            self._core = None
        if self._bundle is not None:
            self._bundle.stop()
            self._bundle = None

    def ready(self, timeout: float | None = 10.0) -> bool:
        """Waits for the first policy bundle fetch (whatever its outcome); True when it happened."""
        return True if self._bundle is None else self._bundle.wait_first(timeout)

    def refresh_policy(self) -> None:
        """Fetches the policy bundle now (a conditional GET)."""
        if self._bundle is not None:
            self._bundle.refresh()

    @property
    def installed(self) -> bool:
        return self._core is not None

    @property
    def status(self) -> InterceptorStatus:
        core = self._core
        hooks = tuple(sorted({p.owner.__module__.split(".")[0] for p in self._patches}))
        return InterceptorStatus(
            installed=core is not None,
            enforcement=core.enforcement if core is not None else None,
            hooks=hooks,
            policy_source=self._source,
            policy=self._bundle.status if self._bundle is not None else None,
        )

    def __enter__(self) -> "TruseraInterceptor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()


def intercept(
    client: Any,
    enforcement: str = "log",
    cedar_evaluator: CedarEvaluator | None = None,
    policy_url: str | None = None,
    exclude_patterns: Iterable[str | re.Pattern[str]] | None = None,
    fail_closed: bool = False,
    **options: Any,
) -> TruseraInterceptor:
    """Installs a ``TruseraInterceptor`` and returns it (see ``TruseraInterceptor.install``).

    ``enforcement``: what a denied call gets (``log``: proceeds; ``warn``: proceeds with a warning;
    ``block``: raises ``PolicyViolationError`` before anything is sent). ``policy_url``: the
    server's policy bundle (``"/api/v1/policies/bundle"``), kept fresh in the background.
    ``exclude_patterns``: regular expressions of URLs to leave alone. ``fail_closed``: deny every
    call while no policy is available.
    """
    return TruseraInterceptor().install(
        client, enforcement, cedar_evaluator, policy_url, exclude_patterns, fail_closed, **options
    )
