"""The out-of-hours line ends a carer's form, once, and only while the office is closed."""

from __future__ import annotations

from datetime import UTC, datetime

from conversations.flow_runner import with_office_hours
from conversations.registry import NothingSent, SeenAtOnce
from handlers.service.clock import FakeClock
from handlers.service.config import load_service_config
from handlers.service.context import ServiceContext
from storage.models import Person, Role
from tests.conftest import EXAMPLE_CONFIG

CONFIG = load_service_config(EXAMPLE_CONFIG)
SUNDAY_EVENING = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_only_a_carer_hears_when_the_office_will_see_it_and_only_when_it_is_closed() -> None:
    closed = ServiceContext(CONFIG, FakeClock(SUNDAY_EVENING))
    carer, worker = Person(role=Role.CARER.value), Person(role=Role.WORKER.value)
    assert with_office_hours("Thank you.", carer, closed) == (
        "Thank you.\nThe office is closed now; they'll see this from Monday 09:00. In an "
        "emergency call the out-of-hours team (Emergency Social Work Team) on 01632 960999."
    )
    assert with_office_hours("Sent.", worker, closed) == "Sent."
    assert with_office_hours(
        "Thank you.", carer, ServiceContext(CONFIG, FakeClock(MONDAY_MORNING))
    ) == ("Thank you.")


def test_a_form_that_sent_nothing_says_when_the_office_opens_instead() -> None:
    closed = ServiceContext(CONFIG, FakeClock(SUNDAY_EVENING))
    carer = Person(role=Role.CARER.value)
    assert with_office_hours(NothingSent("It stays booked."), carer, closed) == (
        "It stays booked.\nThe office is closed now; it opens Monday 09:00. In an "
        "emergency call the out-of-hours team (Emergency Social Work Team) on 01632 960999."
    )


def test_what_went_straight_to_the_worker_says_when_the_office_opens_too() -> None:
    closed = ServiceContext(CONFIG, FakeClock(SUNDAY_EVENING))
    carer = Person(role=Role.CARER.value)
    assert with_office_hours(SeenAtOnce("I've told Wren."), carer, closed) == (
        "I've told Wren.\nThe office is closed now; it opens Monday 09:00. In an "
        "emergency call the out-of-hours team (Emergency Social Work Team) on 01632 960999."
    )
