"""The state directory: keys, the receipt log, the lock they share with the TypeScript writer."""

from .key_store import KeyStore
from .paths import StatePaths, resolve_state_dir
from .receipt_log import ReceiptLog, read_receipt_log

__all__ = ["KeyStore", "ReceiptLog", "StatePaths", "read_receipt_log", "resolve_state_dir"]
