"""Which pre-visit days and times are offered: Saturdays, bank holidays, the clocks changing,
the turn of a month, full slots, and days typed in."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from conversations.inputs import Answer, Problem
from conversations.pickers import PickDay, PickTime, read_day
from handlers.service.config import OpeningTimes, PrevisitVenue, load_service_config
from handlers.sessions.previsit_slots import bookable_days, free_slots, rules_for, slot_starts
from tests.conftest import EXAMPLE_CONFIG

CONFIG = load_service_config(EXAMPLE_CONFIG)
LONDON = ZoneInfo("Europe/London")
COFFEE_HALL = rules_for(CONFIG, "coffee-hall")  # 60-minute slots, one seat, the office hours
NONE_TAKEN: Counter[datetime] = Counter()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def times(starts: list[datetime]) -> list[str]:
    return [f"{start:%H:%M}" for start in starts]


def test_a_weekday_runs_hourly_from_opening_to_the_last_slot_that_ends_by_closing() -> None:
    day = slot_starts(COFFEE_HALL, date(2026, 11, 25))
    assert times(day) == [f"{hour:02d}:00" for hour in range(9, 17)]


def test_saturday_has_its_own_hours_and_sunday_none() -> None:
    saturday = slot_starts(COFFEE_HALL, date(2026, 11, 28))
    assert times(saturday) == ["09:30", "10:30", "11:30", "12:30", "13:30", "14:30", "15:30"]
    assert slot_starts(COFFEE_HALL, date(2026, 11, 29)) == []


def test_bank_holidays_are_never_offered() -> None:
    now = utc(2026, 12, 21, 10, 0)  # Monday before Christmas
    days = bookable_days(COFFEE_HALL, now=now, taken=NONE_TAKEN)
    assert date(2026, 12, 24) in days
    for closed in (date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)):
        assert closed not in days  # Christmas Day, Boxing Day (a Saturday), its substitute
    assert date(2026, 12, 29) in days


@pytest.mark.parametrize(
    ("day", "first_utc"),
    [
        (date(2026, 3, 27), utc(2026, 3, 27, 9, 0)),  # Friday before the clocks go forward
        (date(2026, 3, 30), utc(2026, 3, 30, 8, 0)),  # Monday after: 09:00 BST
        (date(2026, 10, 23), utc(2026, 10, 23, 8, 0)),  # Friday before they go back
        (date(2026, 10, 26), utc(2026, 10, 26, 9, 0)),  # Monday after: 09:00 GMT
    ],
)
def test_slots_keep_their_wall_clock_time_across_the_clocks_changing(
    day: date, first_utc: datetime
) -> None:
    starts = slot_starts(COFFEE_HALL, day)
    assert starts[0] == first_utc and f"{starts[0]:%H:%M}" == "09:00"
    assert len(starts) == 8


def test_the_week_of_a_clock_change_is_offered_whole_and_seats_are_matched_by_instant() -> None:
    now = utc(2026, 3, 26, 12, 0)  # Thursday; the clocks go forward on Sunday 29 March
    taken = Counter({utc(2026, 3, 30, 8, 0): 1})  # Monday's 09:00 BST is taken
    days = bookable_days(COFFEE_HALL, now=now, taken=taken)
    assert days[:3] == [date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 30)]
    monday = free_slots(COFFEE_HALL, date(2026, 3, 30), now=now, taken=taken)
    assert times(monday)[0] == "10:00"


def test_the_week_the_clocks_go_back_is_offered_whole_and_seats_are_matched_by_instant() -> None:
    now = utc(2026, 10, 22, 12, 0)  # Thursday; the clocks go back on Sunday 25 October
    taken = Counter({utc(2026, 10, 26, 9, 0): 1})  # Monday's 09:00 GMT is taken
    days = bookable_days(COFFEE_HALL, now=now, taken=taken)
    assert days[:3] == [date(2026, 10, 23), date(2026, 10, 24), date(2026, 10, 26)]
    monday = free_slots(COFFEE_HALL, date(2026, 10, 26), now=now, taken=taken)
    assert times(monday)[0] == "10:00"
    friday = free_slots(COFFEE_HALL, date(2026, 10, 23), now=now, taken=taken)
    assert times(friday)[0] == "09:00"  # 08:00 UTC, still summer time: not the taken seat


def test_the_days_run_from_tomorrow_across_the_end_of_a_month() -> None:
    now = utc(2026, 11, 30, 16, 0)  # Monday 30 November, late afternoon
    days = bookable_days(COFFEE_HALL, now=now, taken=NONE_TAKEN)
    assert days[0] == date(2026, 12, 1)
    assert days[-1] == date(2026, 12, 21)  # three weeks on
    january = bookable_days(COFFEE_HALL, now=utc(2026, 12, 31, 10, 0), taken=NONE_TAKEN)
    assert january[0] == date(2027, 1, 2)  # New Year's Day is a bank holiday


def test_a_full_day_is_not_offered_and_a_partly_full_one_offers_the_rest() -> None:
    now = utc(2026, 11, 23, 10, 0)
    wednesday = slot_starts(COFFEE_HALL, date(2026, 11, 25))
    full = Counter(dict.fromkeys(wednesday, 1))
    assert date(2026, 11, 25) not in bookable_days(COFFEE_HALL, now=now, taken=full)
    partly = Counter({wednesday[0]: 1})
    assert times(free_slots(COFFEE_HALL, date(2026, 11, 25), now=now, taken=partly))[0] == "10:00"


def test_a_venue_can_have_its_own_length_seats_and_hours() -> None:
    config = CONFIG.model_copy(
        update={
            "previsits": CONFIG.previsits.model_copy(
                update={
                    "venues": {
                        "greenleys": PrevisitVenue(
                            slot_minutes=90,
                            capacity=3,
                            hours=CONFIG.hours.model_copy(
                                update={"saturday": OpeningTimes(opens=time(10), closes=time(13))}
                            ),
                        )
                    }
                }
            )
        }
    )
    greenleys = rules_for(config, "greenleys")
    assert greenleys.capacity == 3
    assert times(slot_starts(greenleys, date(2026, 11, 28))) == ["10:00", "11:30"]
    two_taken = Counter({slot_starts(greenleys, date(2026, 11, 28))[0]: 2})
    saturday = free_slots(greenleys, date(2026, 11, 28), now=utc(2026, 11, 23), taken=two_taken)
    assert times(saturday) == ["10:00", "11:30"]  # a third seat is still free


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("14/12", date(2026, 12, 14)),
        ("14.12.2026", date(2026, 12, 14)),
        ("2026-12-14", date(2026, 12, 14)),
        ("Mon 14 Dec", date(2026, 12, 14)),
        ("14th December", date(2026, 12, 14)),
        ("5/1", date(2027, 1, 5)),  # in November, January is next year's
        ("20/11", date(2026, 11, 20)),  # a few days ago: this year's, and in the past
        ("31/11", None),
        ("next week", None),
    ],
)
def test_a_typed_day_is_read_as_the_nearest_such_day(typed: str, day: date | None) -> None:
    assert read_day(typed, date(2026, 11, 23)) == day


DATA = {
    "venue": "coffee-hall",
    "today": "2026-11-23",
    "offer": {"coffee-hall": {"2026-11-25": ["09:00", "11:00"], "2026-12-14": ["10:00"]}},
}


def test_the_day_picker_takes_an_offered_day_and_says_why_not_otherwise() -> None:
    pick = PickDay()
    assert pick.accept_text("25/11", DATA) == Answer("2026-11-25", "Wed 25 Nov")
    assert pick.accept_press("2026-11-26", DATA) == Problem(
        "That day is no longer free. Please tap a day below, or type one like 14/12."
    )
    assert pick.accept_press("2026-11-23", DATA) == Problem(  # offered before the clock moved
        "Mon 23 Nov is today; please pick a day from tomorrow on below."
    )
    assert pick.accept_text("23/11", DATA) == Problem(
        "Mon 23 Nov is today; please pick a day from tomorrow on below."
    )
    assert pick.describe("2026-11-26", DATA) is None  # no longer fits: asked again


def test_the_time_picker_takes_a_free_time_typed_or_tapped() -> None:
    data = {**DATA, "day": "2026-11-25"}
    pick = PickTime()
    assert pick.accept_text("11am", data) == Answer("11:00", "11:00")
    assert pick.accept_text("10:00", data) == Problem(
        "10:00 isn't free that day. Please tap a time below, or type one like 10:00."
    )
    assert [o.label for row in pick.render(data)[1] for o in row] == ["09:00", "11:00"]


def test_the_time_picker_points_to_back_when_no_time_is_left_on_the_day() -> None:
    pick = PickTime()
    taken = {**DATA, "day": "2026-11-26"}  # offered, then booked by others
    assert pick.accept_press("09:00", taken) == Problem(
        "No time is free on Thu 26 Nov any more; tap Back for another day."
    )
    moved_on = {**DATA, "day": "2026-11-23"}  # chosen yesterday; the clock moved on
    assert pick.accept_text("10:00", moved_on) == Problem(
        "Mon 23 Nov is today; tap Back to pick a day from tomorrow on."
    )
