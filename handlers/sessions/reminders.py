"""Session reminders: carers the evening before and shortly before; workers a briefing and a nudge.

Reminders are worked out from the sessions on every tick, at local wall-clock times (so they stay
right when the clocks change), and queued once each through the outbox's dedupe keys. A
cancelled session gets none; a moved one gets reminders for its new time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Keyboard, SendMessage
from handlers.delivery.outbox import queue_delivery, withdraw_waiting
from handlers.delivery.reachability import can_reach
from handlers.delivery.start_buttons import start_button
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.cantcome import CANTCOME_START
from handlers.sessions.handover import HANDOVER_START, card_lines, cards_for
from handlers.sessions.illness import contagious_phrase
from handlers.sessions.lateness import LATE_START
from handlers.sessions.no_meet import carer_times_line, has_carer_times
from handlers.sessions.reminder_schedule import (
    CARER_REMINDERS,
    CARER_SOON,
    WORKER_BRIEFING,
    due_reminders,
    reminder_key_prefix,
    reminder_times,
)
from storage.models import (
    IllnessReport,
    OutboxMessage,
    Person,
    Priority,
    Session,
    SessionStatus,
)
from storage.session_queries import sessions_starting_between


async def send_due_reminders(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> int:
    """Queue every reminder now due for sessions not yet started; returns how many were new."""
    until = now + timedelta(days=ctx.config.reminders.lookahead_days)
    upcoming = await sessions_starting_between(uow, SessionStatus.SCHEDULED, after=now, until=until)
    queued = 0
    for booked in upcoming:
        due = due_reminders(ctx.config.reminders, ctx.zone, booked.starts_at, now)
        for kind in sorted(due):
            queued += await _queue(uow, ctx, booked, kind, now)
    return queued + await _brief_on_cancelled(uow, ctx, now)


async def _brief_on_cancelled(uow: AsyncSession, ctx: ServiceContext, now: datetime) -> int:
    """On the morning of a cancelled session, its worker hears it is off (no other reminders)."""
    until = now + timedelta(days=ctx.config.reminders.lookahead_days)
    cancelled = await sessions_starting_between(
        uow, SessionStatus.CANCELLED, after=now, until=until
    )
    queued = 0
    for booked in cancelled:
        worker_id = booked.worker_id
        briefing = reminder_times(ctx.config.reminders, ctx.zone, booked.starts_at)[WORKER_BRIEFING]
        if worker_id is None or briefing > now:
            continue
        if booked.status != SessionStatus.CANCELLED.value:
            continue  # called off during this tick: loaded above as it was; the next tick sees it
        if booked.cancelled_at is not None and booked.cancelled_at >= briefing:
            continue  # called off after the briefing time: the worker was told just then
        if not await can_reach(uow, worker_id):
            continue
        place = await place_line(uow, booked.venue_code)
        text = (
            f"❌ Session {booked.ref} at {ctx.show_time(booked.starts_at)} "
            f"({place}) is cancelled: nothing to prepare."
        )
        row = await queue_delivery(
            uow,
            SendMessage(text, protect_content=True),
            now=now,
            person_id=worker_id,
            priority=Priority.REMINDER,
            dedupe_key=f"reminder:{booked.id}:{booked.starts_at:%Y%m%d%H%M}:cancelled:"
            f"person:{worker_id}",
        )
        queued += row is not None
    return queued


async def _queue(
    uow: AsyncSession, ctx: ServiceContext, booked: Session, kind: str, now: datetime
) -> int:
    is_for_carers = kind in CARER_REMINDERS
    if is_for_carers:
        people = {carer.id for child in booked.children for carer in child.carers}
    else:
        people = {booked.worker_id} if booked.worker_id else set()
    when = f"{booked.starts_at:%Y%m%d%H%M}"  # a moved session gets fresh reminders
    keys = {p: f"{reminder_key_prefix(booked.id)}{when}:{kind}:person:{p}" for p in sorted(people)}
    queued = set(
        await uow.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values()))
        )
    )
    # Every tick sees every due reminder: build the text (a few queries) only for new ones.
    keys = {p: key for p, key in keys.items() if key not in queued}
    if not keys:
        return 0
    keyboard: Keyboard = ()
    if is_for_carers:
        text = await _carer_text(uow, ctx, booked, now)
        keyboard = _carer_buttons(booked, kind)
    else:
        text = await _worker_text(uow, ctx, booked)
    added = 0
    for person_id, key in keys.items():
        if not await can_reach(uow, person_id):
            continue  # the coordinators were told; this starts again when they message the bot
        row = await queue_delivery(
            uow,
            SendMessage(text, keyboard=keyboard, protect_content=True),
            now=now,
            person_id=person_id,
            priority=Priority.REMINDER,
            dedupe_key=key,
        )
        added += row is not None
    return added


async def withdraw_queued_reminders(uow: AsyncSession, session_id: int, *, now: datetime) -> int:
    """Drop the session's reminders still waiting to go (it changed, or was cancelled); the next
    tick queues them again for the session as it now is."""
    return await withdraw_waiting(uow, reminder_key_prefix(session_id), now=now)


def _carer_buttons(booked: Session, kind: str) -> Keyboard:
    """The handover card, a way to call the session off, and shortly before it "running late"."""
    rows = [(start_button("📝 Fill in the handover card", HANDOVER_START),)]
    if kind == CARER_SOON:
        rows.append((start_button("⏰ Running late", LATE_START, str(booked.id)),))
    rows.append((start_button("❌ Can't make it", CANTCOME_START, str(booked.id)),))
    return tuple(rows)


async def _carer_text(
    uow: AsyncSession, ctx: ServiceContext, booked: Session, now: datetime
) -> str:
    venue = next((v for v in ctx.config.venues if v.code == booked.venue_code), None)
    children = ", ".join(child.initials for child in booked.children) or "the children"
    # Said from when it is sent: a reminder held back (say, by an outage) must not say "tomorrow"
    # on the day itself.
    days_away = (ctx.local(booked.starts_at).date() - ctx.local(now).date()).days
    day = {0: "today, ", 1: "tomorrow, "}.get(days_away, "on ")
    if has_carer_times(booked):  # never the session's start: the parent may be arriving then
        local = ctx.local(booked.starts_at)
        when = f"{day}{local:%a} {local.day} {local:%b}: {carer_times_line(booked, ctx)}"
    else:
        when = f"{day}{ctx.show_time(booked.starts_at)}"
    lines = [
        f"📅 Reminder: family time for {children} {when}",
        await place_line(uow, booked.venue_code, booked.room),
    ]
    if venue is not None:
        # The venue's usual arrival advice ("a few minutes before the start") doesn't apply
        # to a carer who keeps their own times.
        arrival = "" if has_carer_times(booked) else venue.arrival
        lines += [x for x in (venue.address, venue.parking, arrival) if x]
    lines.append("Please bring what the children need (nappies, a bottle, any medicine).")
    lines.append(
        "If a child is ill, send /illness; if you can't come, tap Can't make it (or call "
        f"{ctx.config.contacts.office_phone})."
    )
    return "\n".join(lines)


async def _worker_text(uow: AsyncSession, ctx: ServiceContext, booked: Session) -> str:
    worker = await uow.get(Person, booked.worker_id) if booked.worker_id else None
    children = ", ".join(child.label for child in booked.children)
    lines = [
        f"🗓 {worker.first_name if worker else 'Session'}: session {booked.ref} at "
        f"{ctx.show_time(booked.starts_at)}",
        await place_line(uow, booked.venue_code, booked.room),
        f"Children: {children or 'none listed'}",
        f"Supervision: {booked.supervision_level or 'not recorded'}",
    ]
    lines += await illness_lines(uow, ctx, booked)
    cards = await cards_for(uow, booked.id)
    for card in cards:
        lines.append(f"📝 Handover card in at {ctx.local(card.submitted_at):%H:%M}:")
        lines += [f"  {line}" for line in card_lines(card)]
    if not cards:
        lines.append("📝 No handover card in yet: ask the carer on arrival.")
    lines.append("Please review the family's needs and risks before you start.")
    return "\n".join(lines)


async def illness_lines(uow: AsyncSession, ctx: ServiceContext, booked: Session) -> list[str]:
    """Illness the carers reported in the week before the session, for the worker to weigh up."""
    children = {child.id: child for child in booked.children}
    if not children:
        return []
    lookback = timedelta(days=ctx.config.reminders.illness_lookback_days)
    reports = await uow.scalars(
        select(IllnessReport)
        .where(
            IllnessReport.child_id.in_(children),
            IllnessReport.reported_at >= booked.starts_at - lookback,
            IllnessReport.reported_at <= booked.starts_at,
        )
        .order_by(IllnessReport.reported_at)
    )
    return [
        f"🤒 {children[report.child_id].label} reported ill "
        f"{ctx.show_time(report.reported_at)} ({contagious_phrase(report.contagious)}): "
        f"{report.description}"
        for report in reports
    ]
