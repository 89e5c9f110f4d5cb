"""The alert as recorded: what was raised is on the timeline, the export reads it, Details fits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conversations.flows.alert import finish_alert
from conversations.flows.resolve import finish_resolve, resolve_data
from handlers.alerts.export import export_alerts
from handlers.alerts.raising import acknowledge_alert, alert_details, raise_alert, refuse
from handlers.delivery.chat import MAX_TEXT_CHARS, SendMessage, delivery_from_json
from handlers.delivery.outbox import queue_delivery
from handlers.people.identity import find_person
from handlers.people.importing import import_records
from handlers.service.audit import record_audit
from handlers.service.clock import FakeClock
from handlers.service.config import ServiceConfig
from handlers.service.context import ServiceContext
from storage.database import Database
from storage.models import (
    Alert,
    AlertStatus,
    AuditEvent,
    OutboxMessage,
    Person,
    Priority,
    Role,
    Severity,
)
from tests.e2e.fixtures import ALERT_STAFF, MONDAY_MORNING, PEOPLE

NOTE = "dad raised his voice at the child"


async def _raised(database: Database, ctx: ServiceContext) -> int:
    async with database.unit_of_work() as uow:
        await import_records(uow, ctx.config, now=ctx.now(), people=PEOPLE + ALERT_STAFF)
        worker = await find_person(uow, "W1")
        assert worker is not None
        alert, _ = await raise_alert(
            uow, worker, severity=Severity.URGENT, session_id=None, note=NOTE, ctx=ctx
        )
        return alert.id


async def _person(uow: object, ref: str) -> Person:
    person = await find_person(uow, ref)  # type: ignore[arg-type]
    assert person is not None
    return person


async def test_what_was_raised_is_on_the_timeline_and_the_export_reads_it(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
    alert_id = await _raised(database, ctx)
    async with database.unit_of_work() as uow:
        raised = await uow.scalar(select(AuditEvent).where(AuditEvent.action == "alert.raised"))
        assert raised is not None and raised.note == NOTE
        assert raised.details["severity"] == "urgent" and "venue" in raised.details
        # The alerts row is operational and may change; the record must not follow it.
        alert = await uow.get(Alert, alert_id)
        assert alert is not None
        alert.note, alert.severity = "edited later", Severity.WORRY.value
        await acknowledge_alert(uow, alert, await _person(uow, "SN1"), ctx)
    async with database.unit_of_work() as uow:
        (record,) = await export_alerts(uow)
        details = await alert_details(uow, (await uow.get(Alert, alert_id)), ctx)  # type: ignore[arg-type]
    assert record["note"] == NOTE and record["severity"] == "urgent"
    assert record["acknowledged_by"].startswith("SN1 Sid")
    assert record["timeline"][0]["note"] == NOTE
    assert NOTE in details and "edited later" not in details


async def test_details_of_a_long_alert_reach_the_manager_in_parts_with_refusals_summarised(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
    alert_id = await _raised(database, ctx)
    async with database.unit_of_work() as uow:
        intruder = await _person(uow, "W2")
        for minute in range(400):  # a long night of escalations and refused taps
            at = ctx.now() + timedelta(minutes=minute)
            record_audit(uow, "alert.pinged", at=at, subject=f"alert:{alert_id}", step=minute)
            refuse(uow, alert_id, "ack", now=at, person=intruder)
    async with database.unit_of_work() as uow:
        alert = await uow.get(Alert, alert_id)
        assert alert is not None
        text = await alert_details(uow, alert, ctx)
        assert "400 refused taps" in text and text.count("access_refused") == 0
        manager = await _person(uow, "M1")
        await queue_delivery(
            uow, SendMessage(text, protect_content=True), now=ctx.now(), person_id=manager.id
        )
    async with database.unit_of_work() as uow:
        rows = list(
            await uow.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.person_id == manager.id,
                    OutboxMessage.priority == Priority.REPLY.value,
                )
                .order_by(OutboxMessage.id)
            )
        )
    parts = [delivery_from_json(r.payload) for r in rows]
    assert len(parts) > 1
    assert all(isinstance(p, SendMessage) and len(p.text) <= MAX_TEXT_CHARS for p in parts)
    assert NOTE in parts[0].text  # type: ignore[union-attr]


async def test_a_role_change_mid_flow_is_checked_when_it_finishes(
    database: Database, service_config: ServiceConfig
) -> None:
    ctx = ServiceContext(service_config, FakeClock(MONDAY_MORNING))
    alert_id = await _raised(database, ctx)
    async with database.unit_of_work() as uow:
        senior = await _person(uow, "SN1")
        alert = await uow.get(Alert, alert_id)
        assert alert is not None
        await acknowledge_alert(uow, alert, senior, ctx)
        data = {**resolve_data(alert, ctx), "outcome": "0", "note": "skip"}
        senior.role = Role.CARER.value  # changed by the admin while the form was open
        said = await finish_resolve(uow, senior, data, ctx)
        assert "role has changed" in said
        assert alert.status == AlertStatus.ACKNOWLEDGED.value
        worker = await _person(uow, "W1")
        worker.role = Role.CARER.value
        said = await finish_alert(uow, worker, {"severity": "urgent", "note": "send"}, ctx)
        assert "role has changed" in said and ctx.config.contacts.office_phone in said
        assert await uow.scalar(select(Alert.id).where(Alert.id != alert_id)) is None
