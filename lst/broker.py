"""What a worker does when its broker connection comes back.

A broker that restarts without its data (Redis without persistence, or one that lost its last
writes) forgets the messages it held: the queued chunks of a running pipeline would wait for
beat's sweep (every 10 minutes, for chunks pending 15 minutes). So each time a worker's consumer
reconnects, it asks for a sweep of the chunks not sent since that moment, and the run resumes
within seconds of the broker's return. Sending a chunk twice is harmless: scoring one is
idempotent.

A worker's first connection sweeps too: a worker started in place of one that was killed
(SIGKILL, out of memory) resumes the chunk its predecessor held at once, instead of waiting for
the broker's visibility timeout or beat's sweep. The price is that a worker added to a healthy
run re-sends its pending chunks once (scored once each all the same).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import bootsteps

logger = logging.getLogger(__name__)

#: Sent with `sent_before=<when the connection came back>` after every reconnect.
SWEEPS_ON_RECONNECT = ("lst.recommendations.resume_stalled_chunks",)


class SweepOnReconnect(bootsteps.StartStopStep):
    """A consumer bootstep: the consumer's blueprint starts again after each connection loss."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, c: Any) -> None:
        since = dt.datetime.now(dt.UTC).isoformat()
        for name in SWEEPS_ON_RECONNECT:
            try:
                c.app.send_task(name, kwargs={"sent_before": since})
            except Exception as exc:  # never take the consumer down; beat's sweep remains
                logger.warning("could not send %s after a reconnect: %r", name, exc)
            else:
                logger.info("broker connection (re)established: sent %s", name)
