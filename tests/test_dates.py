"""Solar Hijri and Gregorian dates: kept as written, converted to the Gregorian days they span."""

from __future__ import annotations

import datetime as dt

import pytest

from citydip_ld.curation.dates import DateValueError, parse_calendar_date


def test_a_jalali_day_is_one_gregorian_day() -> None:
    date = parse_calendar_date("1399-11-25", "jalali")
    assert date.precision == "day"
    assert (date.first_day, date.last_day) == (dt.date(2021, 2, 13), dt.date(2021, 2, 13))
    assert not date.is_interval


def test_a_jalali_month_is_an_interval_not_a_made_up_day() -> None:
    date = parse_calendar_date("1395-03", "jalali")  # Khordad 1395
    assert date.precision == "month"
    assert (date.first_day, date.last_day) == (dt.date(2016, 5, 21), dt.date(2016, 6, 20))


def test_a_jalali_year_runs_from_nowruz_to_the_day_before_the_next() -> None:
    date = parse_calendar_date("1387", "jalali")
    assert (date.first_day, date.last_day) == (dt.date(2008, 3, 20), dt.date(2009, 3, 20))


def test_esfand_has_thirty_days_only_in_a_leap_year() -> None:
    leap = parse_calendar_date("1399-12", "jalali")
    assert leap.last_day == dt.date(2021, 3, 20)
    assert parse_calendar_date("1399-12-30", "jalali").first_day == dt.date(2021, 3, 20)
    with pytest.raises(DateValueError, match="Esfand 1398 has 29 days, there is no day 30"):
        parse_calendar_date("1398-12-30", "jalali")


def test_persian_digits_are_read_and_normalised() -> None:
    date = parse_calendar_date("۱۳۹۷-۰۳-۰۴", "jalali")
    assert date.text == "1397-03-04"
    assert date.first_day == dt.date(2018, 5, 25)


def test_gregorian_year_and_month_are_intervals() -> None:
    year = parse_calendar_date("2015", "gregorian")
    assert (year.first_day, year.last_day) == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    february = parse_calendar_date("2016-02", "gregorian")
    assert february.last_day == dt.date(2016, 2, 29)


@pytest.mark.parametrize(
    ("text", "calendar", "message"),
    [
        ("1395-13", "jalali", "month 13 does not exist"),
        ("1395-01-32", "jalali", "Farvardin 1395 has 31 days, there is no day 32"),
        ("1395-07-31", "jalali", "Mehr 1395 has 30 days, there is no day 31"),
        ("2015-02-29", "gregorian", "day is out of range for month"),
        ("2015-00", "gregorian", "month 0 does not exist"),
        ("spring 1395", "jalali", "is not a date; write YYYY, YYYY-MM or YYYY-MM-DD"),
        ("", "jalali", "is not a date"),
    ],
)
def test_impossible_dates_are_refused_with_the_reason(
    text: str, calendar: str, message: str
) -> None:
    with pytest.raises(DateValueError, match=message):
        parse_calendar_date(text, calendar)  # type: ignore[arg-type]
