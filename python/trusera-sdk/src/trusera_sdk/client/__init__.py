"""The client: buffering, batching and delivery of events to a Trusera server."""

from .client import ClientStats, TruseraClient
from .default import get_default_client, set_default_client
from .options import DEFAULT_BASE_URL

__all__ = ["DEFAULT_BASE_URL", "ClientStats", "TruseraClient", "get_default_client", "set_default_client"]
