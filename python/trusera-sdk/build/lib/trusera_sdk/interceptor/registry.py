"""The interceptor that is installed, if any: one per process, read by every hook on each call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .core import DecisionCore

_active: "DecisionCore | None" = None


def active() -> "DecisionCore | None":
    return _active


def set_active(core: "DecisionCore | None") -> None:
    global _active
    _active = core


class Patch:
    """One attribute replaced by a wrapper of the original; ``restore`` puts the original back
    unless something else has replaced the wrapper since (then it is left alone, and says so)."""

    def __init__(self, owner: Any, attr: str, make: Callable[[Any], Any]) -> None:
        self.owner = owner
        self.attr = attr
        self.original = owner.__dict__[attr]
        self.wrapper = make(self.original)
        try:
            self.wrapper.__wrapped__ = self.original
        except AttributeError:
            pass

    def apply(self) -> None:
        setattr(self.owner, self.attr, self.wrapper)

    def restore(self) -> bool:
        if self.owner.__dict__.get(self.attr) is not self.wrapper:
            return False
        setattr(self.owner, self.attr, self.original)
        return True
