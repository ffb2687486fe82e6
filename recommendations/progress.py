"""Where an in-process run tells a watching terminal how far it has got.

The pipeline calls `report(step, done, total)` at each step (loading sales, the backtest, the
fit, each chunk scored). Nothing listens on a worker; `run_pipeline` on the embedded default
(no broker: the run happens inside the command) listens with `listening(...)` and draws a
progress bar, so `make run` is not silent for the minute or two training takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, int], None]

_listener: ContextVar[Listener | None] = ContextVar("recommendations_progress", default=None)


def report(step: str, done: int = 0, total: int = 0) -> None:
    listener = _listener.get()
    if listener is not None:
        listener(step, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
