"""Every button family reads its record ids the same way: forged or odd data is never a tap."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from handlers.alerts.messages import parse_alert_button
from handlers.delivery.chat import button_number
from handlers.reports.sign_off import parse_sign
from handlers.sessions.handover import parse_read
from handlers.sessions.illness_plan import parse_decide
from handlers.sessions.lateness import parse_noted
from handlers.sessions.parent_deadline import parse_parent
from handlers.sessions.today import parse_today
from handlers.sessions.welfare import parse_welfare

FORGED = ["", "²", "١٢", "-1", "1.5", " 12", "2147483648", "9" * 30]


def test_ascii_digits_up_to_the_largest_id_are_a_number() -> None:
    assert button_number("0") == 0 and button_number("2147483647") == 2**31 - 1


@pytest.mark.parametrize("text", FORGED)
def test_anything_else_is_not(text: str) -> None:
    assert button_number(text) is None


# Each family's button data with the record's id as {}: read back when it is 12, never forged.
FAMILIES: list[tuple[str, Callable[[str], object]]] = [
    ("hr:{}", parse_read),
    ("n:{}", parse_noted),
    ("wf:{}", parse_welfare),
    ("pq:c:{}", parse_parent),
    ("t:pl:{}", parse_today),
    ("rpt:{}:1:a", parse_sign),
    ("rpt:1:{}:a", parse_sign),
    ("ill:{}:k", parse_decide),
    ("a:{}:ack", parse_alert_button),
]


@pytest.mark.parametrize(("template", "parse"), FAMILIES)
def test_each_family_reads_an_id_and_refuses_a_forged_one(
    template: str, parse: Callable[[str], object]
) -> None:
    assert parse(template.format("12")) is not None
    for forged in FORGED:
        assert parse(template.format(forged)) is None, template.format(forged)
