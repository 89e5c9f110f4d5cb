"""Session report rules without a database: sign-off button data, working days, deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.reports.due import report_deadlines, working_day_after
from handlers.reports.sign_off import APPROVE, SEND_BACK, parse_sign, sign_data
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext


def test_sign_off_button_data_round_trips() -> None:
    assert parse_sign(sign_data(12, 3, APPROVE)) == (12, 3, APPROVE)
    assert parse_sign(sign_data(12, 3, SEND_BACK)) == (12, 3, SEND_BACK)


@pytest.mark.parametrize(
    "forged",
    [
        "rpt:",
        "rpt:1:2",
        "rpt:1:2:x",
        "rpt:a:2:a",
        "rpt:1:²:a",
        "rpt:1:2:a:4",
        "rpt:" + "1" * 13 + ":1:a",
        "ill:1:k",
    ],
)
def test_forged_sign_off_data_is_not_understood(forged: str) -> None:
    assert parse_sign(forged) is None


def test_working_days_leave_out_sundays_and_bank_holidays(service_config: ServiceConfig) -> None:
    # After Wed 23 Dec 2026: Thu 24 is open; Christmas (Fri 25), Boxing Day (Sat 26), Sunday
    # and the Boxing Day substitute (Mon 28) are not; Tue 29 is the next.
    assert working_day_after(service_config, date(2026, 12, 23), 1) == date(2026, 12, 24)
    assert working_day_after(service_config, date(2026, 12, 23), 2) == date(2026, 12, 29)


def test_a_report_is_due_at_the_close_of_the_last_working_day(
    service_config: ServiceConfig,
) -> None:
    ctx = ServiceContext(service_config, FakeClock(datetime(2026, 11, 23, tzinfo=UTC)))
    remind_at, tell_at = report_deadlines(datetime(2026, 11, 23, 11, 0, tzinfo=UTC), ctx)
    assert remind_at == datetime(2026, 11, 28, 16, 30, tzinfo=UTC)  # Saturday closes 16:30
    assert tell_at == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # Sunday is closed


def test_an_amendment_quoted_in_the_report_never_ends_with_two_full_stops() -> None:
    from handlers.reports.pdf import _quoted, _sentence

    assert _quoted("She hugged mum.") == '"She hugged mum."'
    assert _quoted("She hugged mum") == '"She hugged mum".'
    assert _sentence("misheard.") == "misheard." and _sentence("misheard") == "misheard."
