"""Welfare check-ins: a lone or community session's worker is asked "All OK?" at intervals.

Each check is a row unique per session and due time, and its question is queued under the
outbox key `welfare:{session}:{due}:person:{worker}`, so a restart or a second instance never
asks twice. A check not answered within the grace is claimed once (a conditional update) and
handed back to the caller, which raises the alert through the alert side; an answer and the
claim race through the same condition, so exactly one wins.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Button, Keyboard, SendMessage, button_number
from handlers.delivery.outbox import queue_delivery
from handlers.delivery.reachability import can_reach
from handlers.service.audit import audit_subject, record_audit
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.welfare_rules import is_answer_overdue, latest_check_due
from storage.models import (
    EventKind,
    Person,
    Priority,
    Session,
    SessionEvent,
    SessionStatus,
    Setting,
    WelfareCheck,
)

WELFARE_PREFIX = "wf:"  # wf:<check id>
# A session marked started this long before its booked start still counts.
EARLY_START = timedelta(hours=1)


class WelfareAnswer(enum.StrEnum):
    """What became of a tap on *All OK*."""

    OK = "ok"
    ALREADY = "already"  # answered before
    ALERT_RAISED = "alert_raised"  # too late: the alert stands
    CLOSED = "closed"  # too late, but the session had ended: no alert was needed
    NOT_WORKER = "not_worker"
    UNKNOWN = "unknown"  # forged or malformed


@dataclass(frozen=True)
class WelfareAnswered:
    """The outcome, the session, the question as it reads, and the time it stands at."""

    outcome: WelfareAnswer
    booked: Session | None = None
    question: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class MissedCheck:
    """A check nobody answered in time: what the alert needs."""

    check_id: int
    session_id: int
    worker: Person
    note: str


def welfare_data(check_id: int) -> str:
    """Opaque button data for *All OK* on one check."""
    return f"{WELFARE_PREFIX}{check_id}"


def parse_welfare(data: str) -> int | None:
    """The check id in the button's data, or None if not well formed."""
    if not data.startswith(WELFARE_PREFIX):
        return None
    return button_number(data.removeprefix(WELFARE_PREFIX))


async def ask_welfare_checks(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> int:
    """Ask each lone or community session's worker the check now due, once per due time."""
    rules = ctx.config.welfare
    running = await uow.scalars(
        select(Session)
        .where(
            Session.status == SessionStatus.SCHEDULED.value,
            Session.worker_id.is_not(None),
            Session.ended_at.is_(None),
            Session.starts_at <= now + EARLY_START,
            Session.ends_at > now - timedelta(days=1),
            or_(Session.setting == Setting.COMMUNITY.value, Session.is_lone.is_(True)),
        )
        .order_by(Session.starts_at, Session.id)
    )
    sessions = list(running)
    ids = [booked.id for booked in sessions]
    # Two queries for every running session at once, not two for each, on every tick.
    started_rows = await uow.execute(
        select(SessionEvent.session_id, SessionEvent.at).where(
            SessionEvent.session_id.in_(ids), SessionEvent.kind == EventKind.STARTED.value
        )
    )
    started = {session_id: at for session_id, at in started_rows}
    asked_rows = await uow.execute(
        select(WelfareCheck.session_id, WelfareCheck.due_at).where(
            WelfareCheck.session_id.in_(ids)
        )
    )
    already = {(session_id, due_at) for session_id, due_at in asked_rows}
    asked = 0
    for booked in sessions:
        worker_id = booked.worker_id
        assert worker_id is not None
        began = started.get(booked.id, booked.starts_at)
        due = latest_check_due(began, booked.ends_at, now, rules)
        if due is None or (booked.id, due) in already:
            continue
        # Kept even when the worker can't be reached: then nobody answers and the alert goes.
        check = WelfareCheck(session_id=booked.id, worker_id=worker_id, due_at=due, asked_at=now)
        uow.add(check)
        await uow.flush()
        if await can_reach(uow, worker_id):
            await queue_delivery(
                uow,
                SendMessage(
                    await question_text(uow, booked, ctx),
                    keyboard=_ok_button(check.id),
                    protect_content=True,
                ),
                now=now,
                person_id=worker_id,
                priority=Priority.REPLY,
                dedupe_key=f"welfare:{booked.id}:{due:%Y%m%d%H%M}:person:{worker_id}",
            )
        asked += 1
    return asked


async def question_text(uow: AsyncSession, booked: Session, ctx: ServiceContext) -> str:
    """What the worker reads: the session and how long they have to answer."""
    place = await place_line(uow, booked.venue_code, booked.room)
    return (
        f"🛡 Welfare check: all OK at session {booked.ref} ({place})? Tap All OK within "
        f"{ctx.config.welfare.grace_minutes} minutes, or an urgent alert goes to the senior "
        "or manager on duty."
    )


def _ok_button(check_id: int) -> Keyboard:
    return ((Button("✅ All OK", welfare_data(check_id)),),)


async def claim_missed_checks(
    uow: AsyncSession, ctx: ServiceContext, now: datetime, *, limit: int | None = None
) -> list[MissedCheck]:
    """Claim each check past its grace with no answer (once, whoever else is ticking), up to
    `limit`; the caller raises an alert for each. A session ended or cancelled meanwhile needs
    none (its check is settled as missed all the same)."""
    rules = ctx.config.welfare
    overdue = await uow.scalars(
        select(WelfareCheck)
        .where(
            WelfareCheck.answered_at.is_(None),
            WelfareCheck.missed_at.is_(None),
            WelfareCheck.asked_at <= now - timedelta(minutes=rules.grace_minutes),
        )
        .order_by(WelfareCheck.asked_at, WelfareCheck.id)
    )
    missed: list[MissedCheck] = []
    for check in list(overdue):
        if not is_answer_overdue(check.asked_at, now, rules):
            continue
        if not await _settle(uow, check, missed_at=now):
            continue
        booked = await uow.get(Session, check.session_id)
        worker = await uow.get(Person, check.worker_id)
        assert booked is not None and worker is not None
        is_over = booked.ended_at is not None or booked.status != SessionStatus.SCHEDULED.value
        if is_over:
            continue
        note = await _missed_note(uow, check, booked, worker, ctx)
        missed.append(MissedCheck(check.id, booked.id, worker, note))
        if limit is not None and len(missed) >= limit:
            break
    return missed


async def _settle(uow: AsyncSession, check: WelfareCheck, **outcome: datetime) -> bool:
    """Set the check's answer or miss unless either was set meanwhile (by a tap or another
    instance's tick); True if this call is the one that settled it."""
    result = await uow.execute(
        update(WelfareCheck)
        .where(
            WelfareCheck.id == check.id,
            WelfareCheck.answered_at.is_(None),
            WelfareCheck.missed_at.is_(None),
        )
        .values(**outcome)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    await uow.refresh(check)
    return result.rowcount == 1


async def _missed_note(
    uow: AsyncSession, check: WelfareCheck, booked: Session, worker: Person, ctx: ServiceContext
) -> str:
    """What the on-call manager needs at a glance: who, when, where, and how to ring them."""
    place = await place_line(uow, booked.venue_code, booked.room)
    how = [
        words
        for words, is_so in (
            ("in the community", booked.setting == Setting.COMMUNITY.value),
            ("lone working", booked.is_lone),
        )
        if is_so
    ]
    phone = f" (phone {worker.phone})" if worker.phone else ""
    return (
        f"No answer to the welfare check at {ctx.local(check.due_at):%H:%M} from "
        f"{worker.first_name}{phone}, session {booked.ref} at {place}"
        + (f", {' and '.join(how)}" if how else "")
        + "."
    )


async def record_welfare_alert(
    uow: AsyncSession, missed: MissedCheck, alert_id: int, now: datetime
) -> None:
    """Tie the alert raised to its check, and put the miss on the session's timeline."""
    check = await uow.get(WelfareCheck, missed.check_id)
    assert check is not None
    check.alert_id = alert_id
    record_audit(
        uow,
        "session.welfare_missed",
        at=now,
        subject=audit_subject("session", missed.session_id),
        check_id=check.id,
        alert_id=alert_id,
    )


async def answer_welfare_check(
    uow: AsyncSession, *, worker: Person, data: str, ctx: ServiceContext
) -> WelfareAnswered:
    """*All OK*: recorded on the session's timeline if in time; never undoes an alert raised."""
    check_id = parse_welfare(data)
    check = await uow.get(WelfareCheck, check_id) if check_id is not None else None
    booked = await uow.get(Session, check.session_id) if check is not None else None
    if check is None or booked is None:
        return WelfareAnswered(WelfareAnswer.UNKNOWN)
    if check.worker_id != worker.id or booked.worker_id != worker.id:
        return WelfareAnswered(WelfareAnswer.NOT_WORKER, booked)
    question = await question_text(uow, booked, ctx)
    if check.answered_at is not None:
        return WelfareAnswered(WelfareAnswer.ALREADY, booked, question, check.answered_at)
    now = ctx.now()
    if not await _settle(uow, check, answered_at=now):
        if check.answered_at is not None:
            return WelfareAnswered(WelfareAnswer.ALREADY, booked, question, check.answered_at)
        if check.alert_id is None:
            return WelfareAnswered(WelfareAnswer.CLOSED, booked, question, check.missed_at)
        return WelfareAnswered(WelfareAnswer.ALERT_RAISED, booked, question, check.missed_at)
    record_audit(
        uow,
        "session.welfare_ok",
        at=now,
        actor_person_id=worker.id,
        subject=audit_subject("session", booked.id),
        check_id=check.id,
        due_at=check.due_at.isoformat(),
    )
    return WelfareAnswered(WelfareAnswer.OK, booked, question, now)
