"""The service config loads the documented example and names the field of any mistake."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from handlers.service.config import ServiceConfigError, load_service_config
from tests.conftest import EXAMPLE_CONFIG


def test_the_documented_example_loads_with_the_leaflet_defaults() -> None:
    config = load_service_config(EXAMPLE_CONFIG)
    assert [v.code for v in config.venues] == ["coffee-hall", "greenleys"]
    assert config.timezone == "Europe/London"
    assert config.hours.monday is not None and config.hours.monday.opens == time(9, 0)
    assert config.hours.saturday is not None and config.hours.saturday.closes == time(16, 30)
    assert config.hours.sunday is None and config.hours.bank_holidays == "england-and-wales"
    assert len(config.escalation.levels) == 2 and config.escalation.outcomes
    assert config.reminders.carer_minutes_before == 120


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('office_phone = "01632 960001"\n', "", "contacts.office_phone"),
        ('timezone = "Europe/London"', 'timezone = "Mars/Olympus"', "timezone"),
        ('saturday = { opens = "09:30"', 'saturday = { opens = "18:30"', "hours.saturday"),
        ('code = "greenleys"', 'code = "coffee-hall"', "venues"),
        ("service_name =", "servise_name =", "servise_name"),
        ("urgent = 5, ", "", "escalation.levels.0.timeout_minutes"),
    ],
)
def test_a_mistake_names_the_file_and_the_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = EXAMPLE_CONFIG.read_text()
    assert old in text
    path = tmp_path / "service.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ServiceConfigError) as failed:
        load_service_config(path)
    assert str(path) in str(failed.value) and field in str(failed.value)


def test_a_missing_or_broken_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ServiceConfigError, match="cannot read"):
        load_service_config(tmp_path / "nowhere.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("service_name = ")
    with pytest.raises(ServiceConfigError, match="not valid TOML"):
        load_service_config(broken)


def test_the_example_names_every_rule_a_council_may_change_with_its_default() -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    example = load_service_config(EXAMPLE_CONFIG)
    for section in (
        "escalation", "reminders", "handover", "illness", "notes", "watchdog", "retention"
    ):
        model = getattr(example, section)
        assert f"[{section}]" in text
        for name in type(model).model_fields:
            assert name in text, f"{section}.{name} is not in the example"
    for section in ("reminders", "handover", "illness", "notes", "watchdog", "retention"):
        model = getattr(example, section)
        assert model == type(model)(), f"the example's [{section}] differs from the defaults"
