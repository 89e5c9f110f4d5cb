"""The sandbox's demo sessions sit around its clock's now, and its clock only moves forward."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.demo import PERSONAS, demo_rota, demo_sessions
from bot.sandbox_clock import SandboxClock

LONDON = ZoneInfo("Europe/London")


def _sessions(now: datetime) -> dict[str, dict[str, str]]:
    return {row["ref"]: row for row in csv.DictReader(io.StringIO(demo_sessions(now)))}


def test_one_session_is_under_way_one_later_one_tomorrow_and_one_this_week() -> None:
    rows = _sessions(datetime(2026, 11, 24, 10, 7, tzinfo=LONDON))
    assert (rows["DEMO-S1"]["date"], rows["DEMO-S1"]["start"], rows["DEMO-S1"]["end"]) == (
        "2026-11-24", "09:45", "11:15",
    )  # fmt: skip
    assert (rows["DEMO-S2"]["date"], rows["DEMO-S2"]["start"]) == ("2026-11-24", "12:35")
    assert (rows["DEMO-S3"]["date"], rows["DEMO-S3"]["start"]) == ("2026-11-25", "10:00")
    assert rows["DEMO-S4"]["date"] == "2026-11-27"
    assert {rows[ref]["venue"] for ref in rows} == {"coffee-hall", "greenleys"}


@pytest.mark.parametrize("hour, minute", [(0, 5), (22, 50), (23, 58)])
def test_no_demo_session_runs_past_midnight_whenever_the_sandbox_starts(
    hour: int, minute: int
) -> None:
    for row in _sessions(datetime(2026, 11, 24, hour, minute, tzinfo=LONDON)).values():
        assert row["start"] < row["end"], row


def test_every_role_has_a_persona_and_the_rota_covers_tonight() -> None:
    assert {p.role for p in PERSONAS} >= {"carer", "worker", "senior", "manager"}
    assert len({p.user_id for p in PERSONAS}) == len(PERSONAS)
    tonight = datetime(2026, 11, 24, 22, 0)
    assert any(
        s.venue_code is None and s.starts <= tonight < s.ends for s in demo_rota(tonight.date())
    )


def test_the_clock_starts_where_asked_moves_forward_only_and_resets() -> None:
    start = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    clock = SandboxClock(start)
    assert abs(clock.now() - start) < timedelta(seconds=5)
    clock.advance(timedelta(minutes=15))
    clock.advance(timedelta(minutes=-60))  # ignored
    assert timedelta(minutes=15) <= clock.now() - start < timedelta(minutes=16)
    clock.advance_to_tomorrow(time(8), LONDON)
    assert clock.now().astimezone(LONDON).replace(second=0, microsecond=0) == datetime(
        2026, 11, 25, 8, 0, tzinfo=LONDON
    )
    clock.reset()
    assert abs(clock.now() - start) < timedelta(seconds=5)
    assert abs(SandboxClock().now() - datetime.now(UTC)) < timedelta(seconds=5)
