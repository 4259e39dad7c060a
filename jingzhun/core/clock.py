"""Today's date for the rules that depend on it (notice periods, time limits, overdue queues).

One function so that tests, and an administrator replaying a past day, can move time in one place.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """The local date (``TIME_ZONE``), e.g. Asia/Shanghai."""
    return timezone.localdate()
