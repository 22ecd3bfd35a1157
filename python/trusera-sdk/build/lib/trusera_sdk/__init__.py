"""Trusera SDK for Python: track what an AI agent does, decide its calls with Cedar, enforce.

Every public name is importable from here::

    from trusera_sdk import TruseraClient, Event, EventType, monitor, set_default_client
    from trusera_sdk import intercept, TruseraInterceptor, CedarEvaluator, PolicyViolationError

Request builders for Cedar are in ``trusera_sdk.cedar``; framework integrations in
``trusera_sdk.integrations.*``.
"""

from .cedar.evaluator import CedarEvaluator
from .cedar.types import CedarDecision
from .client.client import ClientStats, TruseraClient
from .client.default import get_default_client, set_default_client
from .errors import ConfigurationError, PolicyLoadError, PolicyViolationError, TruseraError
from .events.event import Event
from .events.event_type import EventType
from .interceptor.interceptor import TruseraInterceptor, intercept
from .monitor import monitor

__version__ = "0.1.0"

__all__ = [
    "CedarDecision",
    "CedarEvaluator",
    "ClientStats",
    "ConfigurationError",
    "Event",
    "EventType",
    "PolicyLoadError",
    "PolicyViolationError",
    "TruseraClient",
    "TruseraError",
    "TruseraInterceptor",
    "get_default_client",
    "intercept",
    "monitor",
    "set_default_client",
]
