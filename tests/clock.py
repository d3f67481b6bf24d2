"""The test clock for fixed-window rate limits."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import time_machine


@contextmanager
def just_after_a_minute_begins():
    """Move the clock to one second after the next clock minute begins, ticking on from there. The rate limits
    (accounts.throttle) count requests per clock minute: a test's requests then share one minute, where a run
    that crossed a minute would see the count start again and get no 429."""
    now = datetime.now(UTC)
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)
    with time_machine.travel(start, tick=True):
        yield start
