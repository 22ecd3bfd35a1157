"""Passing a framework's stream through while recording the action it belongs to: the action's event
is tracked once, when the stream ends, fails, or is closed early by its reader."""

from __future__ import annotations

from typing import Any, AsyncIterable, AsyncIterator, Callable, Iterable, Iterator

from .guard import ActionRun, Outcome


def _failed(outcome: Callable[[], Outcome], err: BaseException) -> Outcome:
    o = outcome()
    o.error = err
    return o


def relay(source: Iterable[Any], run: ActionRun, seen: Callable[[Any], None] = lambda _: None, outcome: Callable[[], Outcome] = Outcome) -> Iterator[Any]:
    """Yields ``source``'s items, showing each to ``seen``; ends ``run`` with ``outcome()`` (its
    ``error`` set when the source failed)."""
    try:
        for item in source:
            seen(item)
            yield item
    except GeneratorExit:
        run.end(outcome())  # closed early: what was read is what it cost
        raise
    except BaseException as err:
        run.end(_failed(outcome, err))
        raise
    run.end(outcome())


async def arelay(source: AsyncIterable[Any], run: ActionRun, seen: Callable[[Any], None] = lambda _: None, outcome: Callable[[], Outcome] = Outcome) -> AsyncIterator[Any]:
    """``relay`` for an async iterable."""
    try:
        async for item in source:
            seen(item)
            yield item
    except GeneratorExit:
        run.end(outcome())
        raise
    except BaseException as err:
        run.end(_failed(outcome, err))
        raise
    run.end(outcome())
