"""Secrets never reach an event, a log or a Cedar request: the redaction rules, one place."""

from .headers import header_names, redact_headers
from .patterns import REDACTED, is_sensitive_name
from .scrub import scrub_secrets
from .text import contains_secret, redact_text
from .url import redact_url

__all__ = [
    "REDACTED",
    "contains_secret",
    "header_names",
    "is_sensitive_name",
    "redact_headers",
    "redact_text",
    "redact_url",
    "scrub_secrets",
]
