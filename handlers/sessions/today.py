"""/today for a worker: each of their sessions today, what to know, and a button per mark.

Children by initials and reference only; needs and risks are sent only on a Details tap, to
the session's worker, the coordinators and the seniors, with protect_content on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.delivery.chat import Button, Keyboard, button_number
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.cancellation_rules import REASON_WORDS
from handlers.sessions.handover import cards_for
from handlers.sessions.reminders import illness_lines
from handlers.sessions.session_marks import MARK_WORDS, marks_of
from handlers.sessions.welfare_rules import has_welfare_checks
from storage.models import (
    CancelReason,
    EventKind,
    Person,
    Role,
    Session,
    SessionStatus,
    Setting,
)

TODAY_START = "today"
TODAY_PREFIX = "t:"  # t:d:<session id> for Details, t:<mark code>:<session id> for a mark
DETAILS = "d"
MARK_CODES = {
    "pa": EventKind.PARENT_ARRIVED,
    "ca": EventKind.CHILD_ARRIVED,
    "st": EventKind.STARTED,
    "pl": EventKind.PARENT_LEFT,
    "cr": EventKind.CHILD_RETURNED,
}
_BUTTONS = {
    EventKind.PARENT_ARRIVED: "🙋 Parent arrived",
    EventKind.CHILD_ARRIVED: "🧒 Child arrived",
    EventKind.STARTED: "▶️ Started",
    EventKind.PARENT_LEFT: "👋 Parent left",
    EventKind.CHILD_RETURNED: "🏠 Child handed back",
}
# Besides the session's own worker, who may read its needs and risks.
DETAILS_ROLES = frozenset({Role.SENIOR.value, Role.COORDINATOR.value})


@dataclass(frozen=True)
class TodayTap:
    """A well-formed tap: Details (no mark) or a mark, on one session."""

    session_id: int
    mark: EventKind | None


def today_data(code: str, session_id: int) -> str:
    """Opaque button data for Details or a mark on one session."""
    return f"{TODAY_PREFIX}{code}:{session_id}"


def parse_today(data: str) -> TodayTap | None:
    """The tap in a /today button's data, or None if it is not well formed."""
    code, _, number = data.removeprefix(TODAY_PREFIX).partition(":")
    session_id = button_number(number) if data.startswith(TODAY_PREFIX) else None
    if session_id is None or (code != DETAILS and code not in MARK_CODES):
        return None
    return TodayTap(session_id, MARK_CODES.get(code))


async def session_for_tap(uow: AsyncSession, session_id: int) -> Session | None:
    """The session a tap names, with its children loaded."""
    return await uow.scalar(
        select(Session).where(Session.id == session_id).options(selectinload(Session.children))
    )


async def worker_day(
    uow: AsyncSession, worker: Person, ctx: ServiceContext
) -> list[tuple[str, Keyboard]]:
    """One card per session of the worker's today (cancelled ones saying so), soonest first."""
    today = ctx.local(ctx.now()).date()
    midnight = datetime.combine(today, time(0), tzinfo=ctx.zone)
    next_midnight = datetime.combine(today + timedelta(days=1), time(0), tzinfo=ctx.zone)
    sessions = await uow.scalars(
        select(Session)
        .where(
            Session.worker_id == worker.id,
            Session.starts_at >= midnight,
            Session.starts_at < next_midnight,
        )
        .order_by(Session.starts_at, Session.id)
        .options(selectinload(Session.children))
    )
    return [await _card(uow, booked, ctx) for booked in sessions]


async def _card(uow: AsyncSession, booked: Session, ctx: ServiceContext) -> tuple[str, Keyboard]:
    """What the worker reads about one session, and its buttons."""
    children = ", ".join(child.label for child in booked.children) or "none listed"
    lines = [
        f"📋 {ctx.local(booked.starts_at):%H:%M}–{ctx.local(booked.ends_at):%H:%M} · "
        f"session {booked.ref}",
        await place_line(uow, booked.venue_code, booked.room),
        f"Children: {children}",
        f"Attending: {attendee_line(booked)}",
        f"Supervision: {booked.supervision_level or 'not recorded'}",
    ]
    if has_welfare_checks(booked.setting, booked.is_lone):
        is_out = booked.setting == Setting.COMMUNITY.value
        where = "in the community" if is_out else "lone working"
        lines.append(
            f'🛡 {where.capitalize()}: I\'ll ask "All OK?" every '
            f"{ctx.config.welfare.interval_minutes} minutes from the start."
        )
    details: Keyboard = ((Button("🔎 Details", today_data(DETAILS, booked.id)),),)
    if booked.status == SessionStatus.CANCELLED.value:
        reason = CancelReason(booked.cancel_reason) if booked.cancel_reason else None
        why = REASON_WORDS[reason] if reason else "no reason recorded"
        lines.append(f"❌ CANCELLED: {why}.")
        return "\n".join(lines), details
    cards = await cards_for(uow, booked.id)
    lines.append(
        f"📝 Handover card in ({ctx.local(cards[-1].submitted_at):%H:%M})"
        if cards
        else "📝 No handover card yet: ask the carer on arrival."
    )
    lines += await illness_lines(uow, ctx, booked)
    marks = await marks_of(uow, booked.id)
    done = [
        f"{words} {ctx.local(marks[kind.value].at):%H:%M}"
        for kind, words in MARK_WORDS.items()
        if kind.value in marks
    ]
    if done:
        lines.append("Marked: " + " · ".join(done))
    codes = {kind: code for code, kind in MARK_CODES.items()}
    buttons = [
        Button(label, today_data(codes[kind], booked.id)) for kind, label in _BUTTONS.items()
    ]
    rows = (*details, tuple(buttons[0:2]), tuple(buttons[2:4]), tuple(buttons[4:]))
    return "\n".join(lines), rows


def attendee_line(booked: Session) -> str:
    """The parents or others allowed to attend, by initials and reference."""
    pairs = (item.partition(":") for item in (booked.attendees or "").split(";") if item)
    people = [f"{initials} ({ref})" for initials, _, ref in pairs]
    return ", ".join(people) or "not recorded"


def may_see_details(person: Person, booked: Session) -> bool:
    """The session's worker, the coordinators and the seniors may read its needs and risks."""
    return booked.worker_id == person.id or person.role in DETAILS_ROLES


def details_text(booked: Session, ctx: ServiceContext) -> str:
    """Needs, risks and the no-meet arrangement, children by initials and reference."""
    lines = [
        f"🔎 Session {booked.ref}, {ctx.show_time(booked.starts_at)}: what to know",
        f"Supervision: {booked.supervision_level or 'not recorded'}",
    ]
    for child in booked.children:
        lines.append(f"{child.label}:")
        lines.append(f"  Needs: {child.needs or 'none recorded'}")
        lines.append(f"  Risks: {child.risks or 'none recorded'}")
        if not child.is_independently_mobile:
            lines.append("  Not independently mobile: any mark or bruise is a concern.")
    lines.append(f"Attending: {attendee_line(booked)}")
    if booked.is_no_meet:
        lines.append(
            "🚫 Parent and carer must not meet: parent "
            f"{_span(booked.parent_arrives_at, booked.parent_leaves_at, ctx)}; carer "
            f"{_span(booked.carer_arrives_at, booked.carer_leaves_at, ctx)}."
        )
    return "\n".join(lines)


def _span(arrives: datetime | None, leaves: datetime | None, ctx: ServiceContext) -> str:
    def show(at: datetime | None) -> str:
        return f"{ctx.local(at):%H:%M}" if at is not None else "?"

    return f"arrives {show(arrives)}, leaves {show(leaves)}"
