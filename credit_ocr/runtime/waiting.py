"""The kit's one "wait until something is true" loop, with a deadline and a message that helps.

Starting a server, a worker answering its ping, a process gone after a stop: each is a condition polled
until it holds or time is up. They all go through :func:`wait_until`, so a timeout always says what was
awaited and what was seen last, instead of ten hand-written ``while monotonic() < deadline`` loops.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ConditionTimeout(TimeoutError):
    """A condition did not hold in time; the message says what was awaited and what was seen."""


def wait_until(
    condition: Callable[[], T],
    timeout: float | None,
    *,
    what: str = "the condition",
    interval: float = 0.05,
    ignore: tuple[type[BaseException], ...] = (),
    describe: Callable[[], str] | None = None,
    stop: threading.Event | None = None,
) -> T:
    """Call ``condition()`` every ``interval`` seconds until it returns something true; return that.

    ``timeout`` None waits for ever (or until ``stop`` is set). Exceptions of the ``ignore`` types count
    as "not yet" (a broker that is restarting); any other exception ends the wait at once (a process that
    exited will never answer). After ``timeout`` it raises :class:`ConditionTimeout` naming ``what`` and,
    when given, ``describe()`` (the state seen last, the tail of a log).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    last_error: BaseException | None = None
    pause = stop or threading.Event()
    while True:
        try:
            result = condition()
        except ignore as exc:
            result, last_error = None, exc  # type: ignore[assignment]
        if result:
            return result
        remaining = None if deadline is None else deadline - time.monotonic()
        if (remaining is not None and remaining <= 0) or (stop is not None and stop.is_set()):
            break
        pause.wait(interval if remaining is None else min(interval, remaining))
    seen = describe() if describe is not None else ""
    if last_error is not None:
        seen = f"{seen} (last error: {last_error.__class__.__name__}: {last_error})".strip()
    waited = "the wait was stopped" if stop is not None and stop.is_set() else f"{timeout:g}s"
    raise ConditionTimeout(f"{what}: not so after {waited}" + (f"; {seen}" if seen else ""))
