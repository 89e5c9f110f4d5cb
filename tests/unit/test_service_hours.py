"""Office hours: weekly times, bank holidays, closed dates, and the clocks changing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from handlers.service.config import ServiceConfig, load_service_config
from handlers.service.hours import (
    describe_hours,
    is_open,
    next_opening,
    office_closed_line,
    when_office_opens,
)
from tests.conftest import EXAMPLE_CONFIG

CONFIG = load_service_config(EXAMPLE_CONFIG)
LONDON = ZoneInfo("Europe/London")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def test_weekday_and_saturday_hours() -> None:
    assert is_open(CONFIG, at(2026, 11, 23, 10, 0))
    assert not is_open(CONFIG, at(2026, 11, 23, 8, 59))
    assert not is_open(CONFIG, at(2026, 11, 23, 17, 0))
    assert is_open(CONFIG, at(2026, 11, 28, 9, 30))
    assert not is_open(CONFIG, at(2026, 11, 28, 16, 30))
    assert not is_open(CONFIG, at(2026, 11, 29, 12, 0))  # Sunday


def test_bank_holidays_are_closed_and_the_next_opening_skips_them() -> None:
    assert not is_open(CONFIG, at(2026, 12, 25, 10, 0))  # Christmas Day, a Friday
    assert not is_open(CONFIG, at(2026, 12, 28, 10, 0))  # Boxing Day substitute
    assert not is_open(CONFIG, at(2027, 3, 26, 10, 0))  # Good Friday
    assert not is_open(CONFIG, at(2027, 3, 29, 10, 0))  # Easter Monday
    assert next_opening(CONFIG, at(2026, 12, 24, 17, 30)) == at(2026, 12, 29, 9, 0)


def test_opening_follows_the_wall_clock_across_the_clocks_changing() -> None:
    winter = next_opening(CONFIG, datetime(2027, 3, 27, 20, 0, tzinfo=UTC))
    assert winter.astimezone(UTC) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # BST: 09:00 = 08:00Z
    autumn = next_opening(CONFIG, datetime(2026, 10, 24, 20, 0, tzinfo=UTC))
    assert autumn.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # GMT again


def test_councils_can_ignore_bank_holidays_and_add_closed_dates() -> None:
    hours = CONFIG.hours.model_copy(update={"bank_holidays": "none"})
    no_holidays = CONFIG.model_copy(update={"hours": hours})
    assert is_open(no_holidays, at(2026, 12, 25, 10, 0))
    closed = CONFIG.hours.model_copy(update={"closed_dates": (date(2026, 11, 23),)})
    assert not is_open(CONFIG.model_copy(update={"hours": closed}), at(2026, 11, 23, 10, 0))


def test_hours_read_as_a_person_would_say_them() -> None:
    expected = "Mon–Fri 09:00–17:00, Sat 09:30–16:30; closed on bank holidays"
    assert describe_hours(CONFIG) == expected


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)))
def test_the_next_opening_is_always_later_and_open(naive: datetime) -> None:
    config: ServiceConfig = CONFIG
    moment = naive.replace(tzinfo=UTC)
    opens = next_opening(config, moment)
    assert opens > moment and is_open(config, opens)


def test_out_of_hours_a_carer_is_told_when_the_office_will_see_what_they_sent() -> None:
    assert office_closed_line(CONFIG, at(2026, 11, 23, 16, 59)) is None  # open
    friday_evening = office_closed_line(CONFIG, at(2026, 11, 27, 17, 0))
    assert friday_evening == (
        "The office is closed now; they'll see this from Saturday 09:30. In an emergency call "
        "the out-of-hours team (Emergency Social Work Team) on 01632 960999."
    )
    assert when_office_opens(CONFIG, at(2026, 11, 28, 16, 30)) == "Monday 09:00"  # Sat late
    assert when_office_opens(CONFIG, at(2026, 11, 28, 8, 0)) == "09:30 today"  # Sat early
    assert when_office_opens(CONFIG, at(2026, 12, 24, 17, 30)) == "Tuesday 09:00"  # Christmas
    closures = tuple(date(2027, 1, d) for d in range(2, 9))
    long_break = CONFIG.model_copy(
        update={"hours": CONFIG.hours.model_copy(update={"closed_dates": closures})}
    )
    assert when_office_opens(long_break, at(2026, 12, 31, 18, 0)) == "Saturday 09 January 09:30"
