"""An alert's timeline as Details shows it: words, who did each step, the climb in its order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.alerts.timeline import _timeline_lines
from handlers.service.clock import FakeClock
from handlers.service.config import load_service_config
from handlers.service.context import ServiceContext
from storage.models import AuditEvent
from tests.conftest import EXAMPLE_CONFIG

RAISED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CTX = ServiceContext(load_service_config(EXAMPLE_CONFIG), FakeClock(RAISED))


def step(action: str, minutes: int, actor: int | None = None, **details: object) -> AuditEvent:
    at = RAISED + timedelta(minutes=minutes)
    return AuditEvent(action=action, at=at, actor_person_id=actor, details=details)


def test_the_timeline_reads_as_words_with_the_climb_after_its_time_limit() -> None:
    events = [
        step("alert.raised", 0, actor=1),
        step("alert.pinged", 0, level=1),
        step("alert.pinged", 5, level=2),  # recorded before the time limit that sent it on
        step("alert.deadline_passed", 5, step=1),
        step("alert.acknowledged", 7, actor=2),
        step("alert.access_refused", 8, actor=3),
        step("alert.resolved", 9, actor=2),
    ]
    assert _timeline_lines(events, CTX, {1: "Wren", 2: "Morgan"}) == [
        "  10:00 raised by Wren",
        "  10:00 sent to level 1",
        "  10:05 time limit passed",
        "  10:05 sent to level 2",
        "  10:07 acknowledged by Morgan",
        "  10:09 resolved by Morgan",
        "  1 refused tap by people not handling it, 10:08–10:08",
    ]


def test_a_step_without_a_level_or_known_words_still_reads_plainly() -> None:
    events = [step("alert.pinged", 0), step("alert.something_new", 1)]
    assert _timeline_lines(events, CTX, {}) == [
        "  10:00 sent to the chain",
        "  10:01 something new",
    ]
