"""A failing statement's error, logged as the bot's loops log it, quotes no values."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import Person

ILLNESS = "Fictional-chickenpox-Zebedee"  # stands for any personal data in a parameter


async def test_a_failed_insert_logs_no_parameter_value(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    async with database.unit_of_work() as uow:
        uow.add(
            Person(ref="P1", first_name="Pat", last_name="Testone", role="carer", created_at=now)
        )
    with pytest.raises(IntegrityError) as failed:
        async with database.unit_of_work() as uow:
            uow.add(
                Person(ref="P1", first_name="Pat", last_name=ILLNESS, role="carer", created_at=now)
            )
    logging.getLogger("familytime.test").error("unit of work failed", exc_info=failed.value)
    assert "INSERT INTO people" in caplog.text  # the statement is there, its values are not
    assert ILLNESS not in caplog.text
    assert ILLNESS not in str(failed.value)
