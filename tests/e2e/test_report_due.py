"""A report not submitted within the configured working days: the worker is reminded once,
a working day later the coordinators are told, then nothing more; nothing once submitted."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.alert_steps import setup
from tests.e2e.fixtures import COORDINATOR, WORKER
from tests.e2e.harness import Harness

# S0 ends on Monday 23 November. Five working days (Saturday is an opening day in the example
# config, Sunday is not): Tue, Wed, Thu, Fri, Sat 28 (closes 16:30); the next is Mon 30 (17:00).
REMIND_AT = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
TELL_AT = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


async def end_s0(h: Harness) -> None:
    await setup(h)
    await h.send(WORKER, "/endsession")
    await h.press(WORKER, "On time")
    h.unread(WORKER)


async def move_to(h: Harness, at: datetime) -> None:
    """Move the clock on to `at`, waking the bot as its scheduler would."""
    await h.advance(at - h.clock.now())


def about_reports(h: Harness, user_id: int) -> list[str]:
    """The messages about reports this person got; the others (the worker's briefings for
    tomorrow's S1) are read away."""
    return [m.text for m in h.unread(user_id) if "report" in m.text.lower()]


async def test_an_overdue_report_reminds_the_worker_then_tells_the_coordinators_once(
    harness: Harness,
) -> None:
    h = harness
    await end_s0(h)
    await move_to(h, REMIND_AT.replace(minute=29))
    assert about_reports(h, WORKER) == [] and h.unread(COORDINATOR) == []
    await move_to(h, REMIND_AT)
    (reminder,) = about_reports(h, WORKER)
    assert reminder.startswith(
        "⏰ Your report for session S0 (Mon 23 Nov, 09:30) wasn't submitted within 5 working days."
    )
    await move_to(h, TELL_AT.replace(minute=0, hour=16))
    assert h.unread(COORDINATOR) == []
    await move_to(h, TELL_AT)
    (told,) = [m.text for m in h.unread(COORDINATOR)]
    assert told.startswith("📝 Overdue report: session S0 (Mon 23 Nov, 09:30, Wren)")
    await move_to(h, datetime(2026, 12, 9, 17, 0, tzinfo=UTC))
    assert about_reports(h, WORKER) == []
    h.assert_no_unexpected_messages()


async def test_a_submitted_report_is_never_chased(harness: Harness) -> None:
    h = harness
    await end_s0(h)
    await h.send(WORKER, "/report")
    await h.press(WORKER, "Submit")
    h.unread(WORKER)
    h.unread(COORDINATOR)  # the report itself
    await move_to(h, REMIND_AT)
    await move_to(h, TELL_AT)
    assert about_reports(h, WORKER) == []
    h.assert_no_unexpected_messages()
