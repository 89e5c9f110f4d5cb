"""The handover card's pure rules: the Read button's codec and the import's mobility column."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from conversations.flows.handover import HANDOVER
from handlers.people.import_rows import ChildRow
from handlers.sessions.handover import parse_read, read_data

ROW = {"ref": "CH1", "initials": "A.B.", "social_worker_ref": "", "carer_refs": "C1"}


def test_read_button_data_round_trips_and_stays_short() -> None:
    assert read_data(42) == "hr:42"
    assert parse_read(read_data(42)) == 42
    assert len(read_data(10**12 - 1)) <= 64


@pytest.mark.parametrize("forged", ["hr:", "hr:1x", "hr:-1", "hr:²", "hr:" + "9" * 13, "n:4", "4"])
def test_forged_read_data_is_not_understood(forged: str) -> None:
    assert parse_read(forged) is None


@pytest.mark.parametrize(
    ("given", "flag"),
    [("yes", True), ("YES", True), ("no", False), ("", False), ("  ", False)],
)
def test_the_mobility_column_reads_yes_no_or_blank(given: str, flag: bool) -> None:
    row = ChildRow.model_validate({**ROW, "not_independently_mobile": given})
    assert row.not_independently_mobile is flag


def test_without_the_column_the_flag_is_left_as_it_was() -> None:
    assert ChildRow.model_validate(ROW).not_independently_mobile is None


def test_anything_else_in_the_mobility_column_is_refused() -> None:
    with pytest.raises(ValidationError):
        ChildRow.model_validate({**ROW, "not_independently_mobile": "maybe"})


def test_the_wellbeing_question_agrees_with_how_many_children() -> None:
    wellbeing = next(step for step in HANDOVER.steps if step.name == "wellbeing")
    one = {"session": "1", "children": {"1": "A.B."}}
    two = {"session": "1", "children": {"1": "A.B., D.E."}}
    assert wellbeing.ask(one).startswith("How is A.B. today")
    assert wellbeing.ask(two).startswith("How are A.B., D.E. today")
