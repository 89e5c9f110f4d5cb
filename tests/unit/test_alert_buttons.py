"""Alert button data is opaque and may be forged: anything but a well-formed tap is None."""

from __future__ import annotations

import pytest

from handlers.alerts.messages import AlertTap, parse_alert_button


def test_a_well_formed_tap_is_read() -> None:
    assert parse_alert_button("a:12:ack") == AlertTap(12, "ack", None)
    assert parse_alert_button("a:12:esc:3") == AlertTap(12, "esc", 3)


@pytest.mark.parametrize(
    "data", ["a:²:ack", "a:12:esc:³", "a:١٢:ack", "a:12:nope", "a::ack", "x:12:ack", "a:9" * 30]
)
def test_forged_or_odd_data_is_not_a_tap(data: str) -> None:
    assert parse_alert_button(data) is None
