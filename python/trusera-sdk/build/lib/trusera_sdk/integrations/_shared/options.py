"""The options every integration takes, checked once at construction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from .core import CedarEvaluator, ConfigurationError
from .pricing import ModelPrice, resolve_prices

Enforcement = Literal["log", "warn", "block"]

# Where an integration's warnings go unless a logger is given; its own problems go here at debug level.
LOGGER = logging.getLogger("trusera_sdk.integrations")


@dataclass(frozen=True)
class IntegrationOptions:
    enforcement: Enforcement
    cedar_evaluator: CedarEvaluator | None
    fail_closed: bool
    prices: Mapping[str, ModelPrice]
    logger: logging.Logger | logging.LoggerAdapter[Any]


def resolve_options(
    who: str,
    *,
    enforcement: str = "log",
    cedar_evaluator: CedarEvaluator | None = None,
    fail_closed: bool = False,
    prices: Mapping[str, Any] | None = None,
    logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> IntegrationOptions:
    """Checks an integration's options; raises ConfigurationError naming the option that is wrong."""
    if enforcement not in ("log", "warn", "block"):
        raise ConfigurationError(f'{who}: enforcement must be "log", "warn" or "block", got {enforcement!r}')
    if cedar_evaluator is not None and not isinstance(cedar_evaluator, CedarEvaluator):
        raise ConfigurationError(f"{who}: cedar_evaluator must be a CedarEvaluator")
    if not isinstance(fail_closed, bool):
        raise ConfigurationError(f"{who}: fail_closed must be a bool")
    if fail_closed and cedar_evaluator is None:
        raise ConfigurationError(f"{who}: fail_closed needs a cedar_evaluator to be a policy source")
    if logger is not None and not (callable(getattr(logger, "warning", None)) and callable(getattr(logger, "debug", None))):
        raise ConfigurationError(f"{who}: logger must be a logging.Logger (warning and debug)")
    return IntegrationOptions(
        enforcement=enforcement,  # type: ignore[arg-type]
        cedar_evaluator=cedar_evaluator,
        fail_closed=fail_closed,
        prices=resolve_prices(prices, who),
        logger=logger if logger is not None else LOGGER,
    )
