"""The retention purge deletes handled inbox rows and settled outbox rows once their time is up,
in bounded batches at most hourly, and keeps everything still needed; the audit timeline stays."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from handlers.delivery.health import count_totals
from handlers.delivery.outbox_status import sent_after_a_timeout
from handlers.delivery.retention import purge_inbox
from handlers.people.importing import import_records
from handlers.service.audit import record_audit
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from scheduler import retention
from scheduler.retention import RetentionPurge
from storage.database import Database
from storage.models import (
    Alert,
    AlertPing,
    AuditEvent,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    Person,
    PutAsideForm,
    SenderPacing,
)
from tests.e2e.fixtures import MONDAY_MORNING, PEOPLE

NOW = MONDAY_MORNING
OLD = NOW - timedelta(days=31)  # past the default 30 days
RECENT = NOW - timedelta(days=29)


def _inbox(update_id: int, at: datetime, *, is_processed: bool = True) -> InboxUpdate:
    return InboxUpdate(
        update_id=update_id,
        telegram_user_id=7001,
        event={} if is_processed else {"update_id": update_id, "telegram_user_id": 7001},
        received_at=at,
        processed_at=at if is_processed else None,
        outcome="stranger" if is_processed else None,
    )


def _outbox(
    key: str, at: datetime, status: OutboxStatus, edit_of: OutboxMessage | None = None
) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=key,
        chat_id=7001,
        payload={"kind": "send", "text": f"Fictional message {key}"},
        status=status.value,
        created_at=at,
        not_before=at,
        sent_at=at if status == OutboxStatus.SENT else None,
        edit_of_id=edit_of.id if edit_of is not None else None,
    )


async def _keys(db: Database) -> set[str]:
    async with db.unit_of_work() as uow:
        return {key for key in await uow.scalars(select(OutboxMessage.dedupe_key)) if key}


async def _update_ids(db: Database) -> set[int]:
    async with db.unit_of_work() as uow:
        return set(await uow.scalars(select(InboxUpdate.update_id)))


async def _audit_count(db: Database) -> int:
    async with db.unit_of_work() as uow:
        return int(await uow.scalar(select(func.count(AuditEvent.id))) or 0)


async def test_the_purge_deletes_what_is_old_and_settled_and_keeps_the_rest(
    database: Database, service_config: ServiceConfig
) -> None:
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=OLD, people=PEOPLE)
        worker = await uow.scalar(select(Person).where(Person.ref == "W1"))
        assert worker is not None
        uow.add_all([_inbox(1, OLD), _inbox(2, OLD, is_processed=False), _inbox(3, RECENT)])
        old_sent = _outbox("old-sent", OLD, OutboxStatus.SENT)
        uow.add_all(
            [
                old_sent,
                _outbox("old-failed", OLD, OutboxStatus.FAILED),
                _outbox("old-pending", OLD, OutboxStatus.PENDING),
                _outbox("recent-sent", RECENT, OutboxStatus.SENT),
            ]
        )
        waited_on = _outbox("old-sent-edit-pending", OLD, OutboxStatus.SENT)
        edited = _outbox("old-sent-edit-sent", OLD, OutboxStatus.SENT)
        pinged = _outbox("old-alert-ping", OLD, OutboxStatus.SENT)
        uow.add_all([waited_on, edited, pinged])
        await uow.flush()
        uow.add_all(
            [
                _outbox("pending-edit", OLD, OutboxStatus.PENDING, edit_of=waited_on),
                _outbox("old-sent-edit", OLD, OutboxStatus.SENT, edit_of=edited),
            ]
        )
        alert = Alert(severity="worry", raised_by_id=worker.id, raised_at=OLD, status="resolved")
        uow.add(alert)
        await uow.flush()
        uow.add(
            AlertPing(
                alert_id=alert.id, person_id=worker.id, step=0, outbox_id=pinged.id, created_at=OLD
            )
        )
        record_audit(uow, "test.old_event", at=OLD, subject=f"outbox:{old_sent.id}")
    audit_before = await _audit_count(database)

    purge = RetentionPurge(database, ServiceContext(service_config, FakeClock(NOW)))
    # Update 1; old-sent, old-failed and old-sent-edit. The message that edit pointed at goes in
    # the next purge, once the edit has gone.
    assert await purge.run_if_due() == 1 + 3
    assert await _update_ids(database) == {2, 3}
    assert await _keys(database) == {
        "old-pending",
        "recent-sent",
        "old-sent-edit-pending",
        "pending-edit",
        "old-sent-edit-sent",
        "old-alert-ping",
    }
    assert await _audit_count(database) == audit_before  # the timeline is never purged

    purge = RetentionPurge(database, ServiceContext(service_config, FakeClock(NOW)))  # restarted
    assert await purge.run_if_due() == 1
    assert "old-sent-edit-sent" not in await _keys(database)


async def test_the_purge_goes_in_bounded_batches_and_at_most_hourly(
    database: Database, service_config: ServiceConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "PURGE_BATCH", 10)
    monkeypatch.setattr(retention, "BATCHES_PER_TICK", 2)
    async with database.unit_of_work() as uow:
        uow.add_all([_inbox(n, OLD) for n in range(1, 46)])
    async with database.unit_of_work() as uow:
        assert await purge_inbox(uow, before=NOW, limit=10) == 10  # one batch at most
    clock = FakeClock(NOW)
    purge = RetentionPurge(database, ServiceContext(service_config, clock))

    assert await purge.run_if_due() == 20  # two batches this tick; more are left
    assert await purge.run_if_due() == 15  # so the next tick carries on, and finishes
    async with database.unit_of_work() as uow:
        uow.add(_inbox(100, OLD))
    assert await purge.run_if_due() == 0  # caught up: nothing more for an hour
    clock.advance(timedelta(minutes=59))
    assert await purge.run_if_due() == 0
    clock.advance(timedelta(minutes=1))
    assert await purge.run_if_due() == 1
    assert await _update_ids(database) == set()


async def test_a_longer_retention_keeps_rows_longer(
    database: Database, service_config: ServiceConfig
) -> None:
    longer = service_config.retention.model_copy(update={"inbox_days": 60, "outbox_days": 60})
    config = service_config.model_copy(update={"retention": longer})
    async with database.unit_of_work() as uow:
        uow.add(_inbox(1, OLD))
        uow.add(_outbox("old-sent", OLD, OutboxStatus.SENT))
    purge = RetentionPurge(database, ServiceContext(config, FakeClock(NOW)))
    assert await purge.run_if_due() == 0
    assert await _update_ids(database) == {1} and await _keys(database) == {"old-sent"}


async def test_the_possible_duplicates_count_outlives_the_purged_messages(
    database: Database, service_config: ServiceConfig
) -> None:
    async with database.unit_of_work() as uow:
        rows = {
            "old-sent": _outbox("old-sent", OLD, OutboxStatus.SENT),
            "old-failed": _outbox("old-failed", OLD, OutboxStatus.FAILED),
            "pending": _outbox("pending", NOW, OutboxStatus.PENDING),
            "recent-sent": _outbox("recent-sent", RECENT, OutboxStatus.SENT),
            "old-sent-cleanly": _outbox("old-sent-cleanly", OLD, OutboxStatus.SENT),
        }
        uow.add_all(rows.values())
        await uow.flush()
        for key in ("old-sent", "old-failed", "pending", "recent-sent"):
            record_audit(uow, "delivery.timed_out", at=OLD, subject=f"outbox:{rows[key].id}")
        record_audit(uow, "delivery.failed", at=OLD, subject=f"outbox:{rows['old-failed'].id}")

    async def counted() -> int:
        async with database.unit_of_work() as uow:
            return await sent_after_a_timeout(uow)

    assert await counted() == 2  # old-sent and recent-sent
    purge = RetentionPurge(database, ServiceContext(service_config, FakeClock(NOW)))
    assert await purge.run_if_due() == 3
    assert await _keys(database) == {"pending", "recent-sent"}
    assert await counted() == 2


async def test_the_metrics_totals_never_go_down_when_rows_are_purged(
    database: Database, service_config: ServiceConfig
) -> None:
    async with database.unit_of_work() as uow:
        uow.add_all([_inbox(1, OLD), _inbox(2, RECENT), _inbox(3, OLD, is_processed=False)])
        uow.add_all(
            [
                _outbox("old-sent", OLD, OutboxStatus.SENT),
                _outbox("old-failed", OLD, OutboxStatus.FAILED),
                _outbox("recent-sent", RECENT, OutboxStatus.SENT),
            ]
        )

    async def totals() -> tuple[int, dict[str, int]]:
        async with database.unit_of_work() as uow:
            counted = await count_totals(uow)
        return counted.updates_processed, counted.sends_by_outcome

    before = await totals()
    assert before == (2, {"sent": 2, "failed": 1})
    purge = RetentionPurge(database, ServiceContext(service_config, FakeClock(NOW)))
    assert await purge.run_if_due() == 3
    assert await totals() == before
    async with database.unit_of_work() as uow:
        uow.add(_outbox("new-sent", NOW, OutboxStatus.SENT))
    assert await totals() == (2, {"sent": 3, "failed": 1})


async def test_the_purge_forgets_senders_paced_long_ago(
    database: Database, service_config: ServiceConfig
) -> None:
    async with database.unit_of_work() as uow:
        uow.add_all(
            [
                SenderPacing(telegram_user_id=1, allowed_at=OLD, quiet_until=None),
                SenderPacing(telegram_user_id=2, allowed_at=OLD, quiet_until=RECENT),
                SenderPacing(telegram_user_id=3, allowed_at=RECENT, quiet_until=None),
            ]
        )
    purge = RetentionPurge(database, ServiceContext(service_config, FakeClock(NOW)))
    await purge.run_if_due()
    async with database.unit_of_work() as uow:
        kept = set(await uow.scalars(select(SenderPacing.telegram_user_id)))
    assert kept == {2, 3}


async def test_the_purge_discards_forms_put_aside_longer_than_the_service_keeps_them(
    database: Database, service_config: ServiceConfig
) -> None:
    async with database.unit_of_work() as uow:
        await import_records(uow, service_config, now=NOW, people=PEOPLE)
    async with database.unit_of_work() as uow:
        carer = await uow.scalar(select(Person).where(Person.ref == "C1"))
        assert carer is not None
        days = service_config.put_aside_days
        uow.add_all(
            [
                _form(carer.id, "illness", NOW - timedelta(days=days, minutes=1)),
                _form(carer.id, "handover", NOW - timedelta(days=days - 1)),
            ]
        )
    purge = RetentionPurge(database, ServiceContext(service_config, FakeClock(NOW)))
    await purge.run_if_due()
    async with database.unit_of_work() as uow:
        kept = set(await uow.scalars(select(PutAsideForm.flow)))
    assert kept == {"handover"}


def _form(person_id: int, flow: str, at: datetime) -> PutAsideForm:
    return PutAsideForm(
        person_id=person_id,
        flow=flow,
        step="description",
        data={"description": "a cough"},
        history=[],
        put_aside_at=at,
    )
