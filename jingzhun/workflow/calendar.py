"""Calendar and working days for notice periods and time limits. No Django here.

Working days follow the State Council's holiday arrangements (statutory holidays off, the
weekend days made into working days worked), from the ``chinesecalendar`` package, which knows
the years it was built with. For a year it does not know, Monday to Friday count as working days
and ``covers(day)`` says so, so the page can flag the date as provisional.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


def covers(day: dt.date) -> bool:
    """True when the holiday calendar knows ``day``'s year (otherwise weekends only are skipped)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def period_end(start: dt.date, days: int, *, working: bool) -> dt.date:
    """The last day of a period of ``days`` days that begins on ``start`` (inclusive).

    Calendar days: ``start + days - 1``. Working days: the ``days``-th working day counting from
    ``start`` (``start`` itself counts when it is a working day). ``days`` = 0 ends the day before.
    """
    if days <= 0:
        return start - ONE_DAY
    if not working:
        return start + dt.timedelta(days=days - 1)
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == days:
                return day
        day += ONE_DAY


def deadline(start: dt.date, days: int, *, working: bool) -> dt.date:
    """The last day on which something started on ``start`` is still within ``days`` days.

    Calendar: ``start + days`` (the start day is day 0, as "within 15 days of the clue").
    Working: the ``days``-th working day after ``start``.
    """
    if not working:
        return start + dt.timedelta(days=days)
    return period_end(start + ONE_DAY, days, working=True)
