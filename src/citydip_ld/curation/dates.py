"""Dates as the articles give them: Solar Hijri (Jalali) or Gregorian, at year, month or day
precision, converted to the Gregorian interval they cover (calendar arithmetic by jdatetime).

A year or a month is an interval from its first to its last Gregorian day, never a made-up day.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Literal

import jdatetime

Calendar = Literal["jalali", "gregorian"]
Precision = Literal["year", "month", "day"]

_PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_PATTERN = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

JALALI_MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
JALALI_MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


class DateValueError(ValueError):
    """The text is not a date, or names a day that does not exist."""


@dataclass(frozen=True)
class CalendarDate:
    """A date as written (in its calendar) and the Gregorian days it covers."""

    calendar: Calendar
    text: str  # normalised: YYYY, YYYY-MM or YYYY-MM-DD in Latin digits
    precision: Precision
    first_day: dt.date  # Gregorian
    last_day: dt.date  # Gregorian, inclusive

    @property
    def is_interval(self) -> bool:
        return self.precision != "day"


@functools.lru_cache(maxsize=1 << 14)
def parse_calendar_date(text: str, calendar: Calendar) -> CalendarDate:
    """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (Latin or Persian digits) in `calendar`.

    Raises `DateValueError` naming what is wrong (month 13, day 32, Esfand 30 in a common year).
    Each text's date is kept (the same few thousand recur across a world's articles, and
    jdatetime reads the locale each time it makes a date)."""
    cleaned = str(text).strip().translate(_PERSIAN_DIGITS)
    match = _PATTERN.match(cleaned)
    if match is None:
        raise DateValueError(f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if month is not None and not 1 <= month <= 12:
        raise DateValueError(f"{text!r}: month {month} does not exist (months are 1 to 12)")
    if calendar == "jalali":
        first, last = _jalali_span(text, year, month, day)
    else:
        first, last = _gregorian_span(text, year, month, day)
    precision: Precision = "day" if day is not None else "month" if month is not None else "year"
    parts = [f"{year:04d}"] + ([f"{month:02d}"] if month else []) + ([f"{day:02d}"] if day else [])
    return CalendarDate(calendar, "-".join(parts), precision, first, last)


def _jalali_span(
    text: str, year: int, month: int | None, day: int | None
) -> tuple[dt.date, dt.date]:
    try:
        if day is not None and month is not None:
            try:
                the_day = jdatetime.date(year, month, day).togregorian()
            except ValueError:
                last = _jalali_month_length(year, month)
                name = JALALI_MONTHS_EN[month - 1]
                raise DateValueError(
                    f"{text!r}: {name} {year} has {last} days, there is no day {day}"
                ) from None
            return the_day, the_day
        if month is not None:
            first = jdatetime.date(year, month, 1)
            last = jdatetime.date(year, month, _jalali_month_length(year, month))
            return first.togregorian(), last.togregorian()
        first = jdatetime.date(year, 1, 1).togregorian()
        next_year = jdatetime.date(year + 1, 1, 1).togregorian()
        return first, next_year - dt.timedelta(days=1)
    except DateValueError:
        raise
    except ValueError as exc:  # year out of jdatetime's range
        raise DateValueError(f"{text!r}: {exc}") from None


def _jalali_month_length(year: int, month: int) -> int:
    if month < 12:
        return 31 if month <= 6 else 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def _gregorian_span(
    text: str, year: int, month: int | None, day: int | None
) -> tuple[dt.date, dt.date]:
    try:
        if day is not None and month is not None:
            the_day = dt.date(year, month, day)
            return the_day, the_day
        if month is not None:
            first = dt.date(year, month, 1)
            following = dt.date(year + (month == 12), month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:
        raise DateValueError(f"{text!r}: {exc}") from None
