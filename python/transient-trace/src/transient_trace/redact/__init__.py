"""
Secrets never reach a receipt: the rules of packages/core/src/redact/ (patterns.ts, text.ts,
assignments.ts, aws-secret.ts, object.ts), checked against spec/vectors/redaction.json, so a
receipt written here hides what the TypeScript writer hides.
"""

from .patterns import REDACTED, is_sensitive_name
from .scrub import scrub_secrets
from .text import redact_text

__all__ = ["REDACTED", "is_sensitive_name", "redact_text", "scrub_secrets"]
