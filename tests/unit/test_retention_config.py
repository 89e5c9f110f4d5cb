"""The retention settings: documented in the example, and never shorter than a week."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.service.config import ServiceConfigError, load_service_config
from tests.conftest import EXAMPLE_CONFIG


def test_the_example_keeps_inbox_and_outbox_rows_thirty_days() -> None:
    retention = load_service_config(EXAMPLE_CONFIG).retention
    assert (retention.inbox_days, retention.outbox_days) == (30, 30)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("inbox_days = 30", "inbox_days = 0", "retention.inbox_days"),
        ("outbox_days = 30", "outbox_days = 6", "retention.outbox_days"),
        ("outbox_days = 30", "outbox_dayz = 30", "retention.outbox_dayz"),
    ],
)
def test_a_retention_shorter_than_a_week_or_misspelt_is_refused(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = EXAMPLE_CONFIG.read_text()
    assert old in text
    path = tmp_path / "service.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(ServiceConfigError, match=field.replace(".", r"\.")):
        load_service_config(path)
