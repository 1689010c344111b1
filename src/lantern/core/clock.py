"""The one clock Lantern reads, so tests can move time on purpose.

Code asks `clock.now()` and `clock.today()` rather than the system clock. Tests
use `clock.frozen_at(...)` (or the `clock` fixture) to stand at a chosen moment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_fixed: dt.datetime | None = None


def now() -> dt.datetime:
    return _fixed if _fixed is not None else timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    global _fixed
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    previous, _fixed = _fixed, moment
    try:
        yield
    finally:
        _fixed = previous
