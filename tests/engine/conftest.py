"""Engine tests run on small frames: one thread avoids OpenMP oversubscription on a busy box."""

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _single_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield
