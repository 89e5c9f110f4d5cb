"""A carer's own view of what's coming: their children's sessions, cancelled ones included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import Keyboard, SendDocument
from handlers.delivery.start_buttons import start_button
from handlers.service.calendar_files import CalendarEvent, calendar_file
from handlers.service.context import ServiceContext
from handlers.service.labels import place_line
from handlers.sessions.illness import children_of_carer
from handlers.sessions.no_meet import carer_span, has_carer_times
from storage.models import Person, Session, SessionStatus
from storage.session_queries import sessions_of_carer_ahead

MY_SESSIONS_START = "mysessions"  # the command, and the code of its menu button
MY_CALENDAR_START = "mycalendar"  # the "Add to my calendar" button's code
CALENDAR_FILENAME = "family-time-sessions.ics"
STATUS_WORDS = {
    SessionStatus.SCHEDULED.value: "going ahead",
    SessionStatus.CANCELLED.value: "CANCELLED",
    SessionStatus.COMPLETED.value: "ended",
}


@dataclass(frozen=True)
class SessionView:
    """One session as a carer may see it: the children they look after, by initials only."""

    session_id: int
    ref: str
    starts_at: datetime
    ends_at: datetime
    place: str
    status: str
    worker: str  # the worker's first name, or "" while none is named
    children: str
    # Parent and carer must not meet: starts_at and ends_at are the carer's own times.
    is_own_times: bool = False
    has_ended: bool = False  # the worker ended it (perhaps before its booked end)

    @property
    def is_cancelled(self) -> bool:
        """Whether the service has called it off."""
        return self.status == SessionStatus.CANCELLED.value


async def carers_sessions_ahead(
    uow: AsyncSession, carer: Person, ctx: ServiceContext
) -> list[SessionView]:
    """The carer's children's sessions within the service's lookahead, soonest first."""
    within = timedelta(days=ctx.config.my_sessions.lookahead_days)
    sessions = await sessions_of_carer_ahead(uow, carer.id, now=ctx.now(), within=within)
    mine = {child.id for child in await children_of_carer(uow, carer.id)}
    worker_ids = {s.worker_id for s in sessions if s.worker_id is not None}
    found = await uow.scalars(select(Person).where(Person.id.in_(worker_ids)))
    workers = {person.id: person.first_name for person in found}
    return [
        SessionView(
            session_id=s.id,
            ref=s.ref,
            starts_at=carer_span(s)[0],
            ends_at=carer_span(s)[1],
            place=await place_line(uow, s.venue_code, s.room),
            status=s.status,
            worker=workers.get(s.worker_id or 0, ""),
            children=_initials(s, mine),
            is_own_times=has_carer_times(s),
            has_ended=s.ended_at is not None,
        )
        for s in sessions
    ]


def _initials(booked: Session, mine: set[int]) -> str:
    return ", ".join(c.initials for c in booked.children if c.id in mine) or "the children"


def session_text(view: SessionView, ctx: ServiceContext) -> str:
    """Two lines: when, who and whether it is on; where and with whom."""
    mark = "❌" if view.is_cancelled else "📅"
    when = ctx.show_span(view.starts_at, view.ends_at)
    status = "ended" if view.has_ended else STATUS_WORDS.get(view.status, view.status)
    worker = f" · with {view.worker}" if view.worker and not view.is_cancelled else ""
    if view.is_own_times:
        when += " (your own times: arrive not before, so you and the parent don't meet)"
    return f"{mark} {when} · {view.children} · {status}\n    {view.place}{worker}"


def my_sessions_reply(views: list[SessionView], ctx: ServiceContext) -> tuple[str, Keyboard]:
    """What /mysessions says, with the calendar button when any session is going ahead."""
    span = _span(ctx)
    if not views:
        return (
            f"No sessions are booked for the children you look after in {span}. If you think "
            f"one is missing, phone the office on {ctx.config.contacts.office_phone}.",
            (),
        )
    lines = [f"🗓 Your sessions in {span}:", *(session_text(v, ctx) for v in views)]
    lines.append(
        "If a session changes, I'll tell you at once. Can't make one? Send /cantcome. "
        f"Questions: the office on {ctx.config.contacts.office_phone}."
    )
    going_ahead = any(not v.is_cancelled for v in views)
    keyboard: Keyboard = (
        ((start_button("📅 Add to my calendar", MY_CALENDAR_START),),) if going_ahead else ()
    )
    return "\n".join(lines), keyboard


def _span(ctx: ServiceContext) -> str:
    days = ctx.config.my_sessions.lookahead_days
    return f"the next {days:g} day{'' if days == 1 else 's'}"


def my_calendar_file(views: list[SessionView], ctx: ServiceContext) -> SendDocument | str:
    """The sessions as a calendar file (cancelled ones marked so, and the same entry each time,
    so a newer file updates a phone's calendar), or why there is none.

    No child's name goes in: initials only, as the carer sees them in the chat.
    """
    if not any(not v.is_cancelled for v in views):
        return f"There's no session going ahead in {_span(ctx)} to add to a calendar."
    events = [
        CalendarEvent(
            uid=f"familytime-session-{v.session_id}",
            starts_at=v.starts_at,
            ends_at=v.ends_at,
            summary=f"Family time: {v.children}" + (" (cancelled)" if v.is_cancelled else ""),
            location=v.place,
            description=f"Session {v.ref}" + (f" with {v.worker}" if v.worker else ""),
            cancelled=v.is_cancelled,
        )
        for v in views
    ]
    content = calendar_file(events, ctx.zone, stamped_at=ctx.now(), name=ctx.config.service_name)
    return SendDocument(
        CALENDAR_FILENAME,
        content,
        caption=(
            f"Your sessions in {_span(ctx)}: open the file to add them to your calendar. "
            "If one changes I'll tell you here; a newer file updates the entries."
        ),
    )
