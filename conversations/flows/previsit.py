"""The carer's pre-visit: book one (venue, day, time, children, routine, school, clubs), or see,
move or cancel the one booked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import FINISH, Choose, Data, Flow, FreeText, Option, Step, confirm_step
from conversations.pickers import PickDay, PickTime, day_label
from conversations.registry import Capability, FlowSpec, NothingSent, Reopen
from handlers.service.context import ServiceContext
from handlers.sessions import (
    PREVISIT_START,
    NotYourBooking,
    PrevisitAnswers,
    SlotTaken,
    book_previsit,
    cancel_previsit,
    children_of_carer,
    describe_previsit,
    free_previsit_slots,
    move_previsit,
    slot_start,
    upcoming_previsit,
)
from storage.models import Person, Role

BOOK, SEE, MOVE, CANCEL_IT = "book", "see", "move", "drop"  # "cancel" is the engine's
ALL, SKIP, YES = "all", "skip", "yes"
_ACTIONS = ((SEE, "👀 See it"), (MOVE, "🔁 Move it"), (CANCEL_IT, "❌ Cancel the pre-visit"))
_SKIPPED = "not given"


def _actions(data: Data) -> Sequence[Option]:
    if data.get("booking") is None:
        return [Option(BOOK, "Book a pre-visit")]
    return [Option(key, label) for key, label in _ACTIONS]


def _after_action(data: Data) -> str:
    return {SEE: FINISH, CANCEL_IT: "cancel_sure"}.get(data["action"], "venue")


def _venues(data: Data) -> Sequence[Option]:
    return [Option(code, name) for code, name in data["venues"]]


def _venue_name(data: Data) -> str:
    return next((name for code, name in data["venues"] if code == data.get("venue")), "")


def _ask_day(data: Data) -> str:
    if not data.get("offer", {}).get(data.get("venue")):
        return (
            f"There's no free pre-visit at {_venue_name(data)} in the next few weeks. Tap Back "
            f"to choose another venue, or phone the office on {data['office_phone']}."
        )
    return f"Which day would you like to come to {_venue_name(data)}?"


def _day(data: Data) -> str:
    return day_label(date.fromisoformat(data["day"])) if data.get("day") else ""


def _children(data: Data) -> Sequence[Option]:
    options = [Option(key, initials) for key, initials in data["children"]]
    if len(options) > 1:
        options.append(Option(ALL, f"All of them ({', '.join(o.label for o in options)})"))
    return options


def _children_words(data: Data) -> str:
    everyone = [initials for _, initials in data["children"]]
    if data.get("child") == ALL:
        return f"{', '.join(everyone[:-1])} and {everyone[-1]}"
    return next((i for key, i in data["children"] if key == data.get("child")), "the children")


def _skippable(example: str) -> FreeText:
    return FreeText(max_length=300, example=example, shortcuts=(Option(SKIP, "Skip this"),))


def _said(data: Data, name: str) -> str:
    value = str(data.get(name, SKIP))
    return _SKIPPED if value == SKIP else value


def _summary(data: Data) -> str:
    when = f"{_day(data)}, {data['slot']} at {_venue_name(data)}"
    if data["action"] == MOVE:
        return f"Please check and confirm:\nMove your pre-visit from {data['booked']}\nto {when}"
    return "\n".join(
        [
            "Please check and confirm:",
            f"When: {when}",
            f"Children: {_children_words(data)}",
            f"Daily routine: {_said(data, 'routine')}",
            f"School or nursery: {_said(data, 'school')}",
            f"Clubs: {_said(data, 'clubs')}",
        ]
    )


PREVISIT = Flow(
    name=PREVISIT_START,
    title="booking your pre-visit",
    steps=(
        Step(
            name="action",
            ask=lambda d: f"Your pre-visit is booked: {d['booked']}. What would you like to do?",
            expects=Choose(_actions, skip_when_single=True),
            save_as="action",
            next=_after_action,
        ),
        Step(
            name="cancel_sure",
            ask=lambda d: f"Cancel your pre-visit on {d['booked']}?",
            expects=Choose(lambda _: [Option(YES, "Yes, cancel it"), Option("no", "No, keep it")]),
            save_as="cancel_sure",
            next=lambda _: FINISH,
        ),
        Step(
            name="venue",
            ask=lambda _: "Where would you like the pre-visit?",
            expects=Choose(_venues, skip_when_single=True),
            save_as="venue",
            label="Venue",
        ),
        Step(name="day", ask=_ask_day, expects=PickDay(), save_as="day", label="Day"),
        Step(
            name="slot",
            ask=lambda d: f"Which time on {_day(d)}?",
            expects=PickTime(),
            save_as="slot",
            next=lambda d: "confirm" if d["action"] == MOVE else "children",
            label="Time",
        ),
        Step(
            name="children",
            ask=lambda _: "Which children is the pre-visit about?",
            expects=Choose(_children, skip_when_single=True),
            save_as="child",
            label="Children",
        ),
        Step(
            name="routine",
            ask=lambda d: (
                f"What is the daily routine of {_children_words(d)}? A few words is enough."
            ),
            expects=_skippable("up at 7, nap 1-3pm, tea at 5, bed at 7"),
            save_as="routine",
            label="Daily routine",
        ),
        Step(
            name="school",
            ask=lambda _: "What are the school or nursery hours?",
            expects=_skippable("nursery Mon-Wed 9-3"),
            save_as="school",
            label="School or nursery",
        ),
        Step(
            name="clubs",
            ask=lambda _: "Any clubs or activities, and when?",
            expects=_skippable("swimming Thursday 4-5pm"),
            save_as="clubs",
            label="Clubs",
        ),
        confirm_step(_summary, send_label="✅ Confirm"),
    ),
)


async def prepare_previsit(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The carer's own children and booking (if any), the venues, or why it can't start."""
    children = await children_of_carer(uow, person.id)
    if not children:
        return (
            "I can't find any children you look after, so please phone the office on "
            f"{ctx.config.contacts.office_phone} to arrange the pre-visit."
        )
    booking = await upcoming_previsit(uow, person.id, ctx)
    venues = {venue.code: venue.name for venue in ctx.config.venues}
    return {
        "children": [[str(child.id), child.initials] for child in children],
        "venues": [[code, name] for code, name in venues.items()],
        "booking": booking.id if booking else None,
        "booked": (
            f"{ctx.show_time(booking.starts_at)} at {venues.get(booking.venue_code)}"
            if booking
            else ""
        ),
        "office_phone": ctx.config.contacts.office_phone,
    }


async def refresh_previsit(
    uow: AsyncSession, person_id: int, ctx: ServiceContext, data: dict[str, Any]
) -> dict[str, Any]:
    """What is free now (the carer's own booking counts as free for a move), and today."""
    offer = await free_previsit_slots(uow, ctx, leaving_out=data.get("booking"))
    return {**data, "offer": offer, "today": ctx.local(ctx.now()).date().isoformat()}


async def finish_previsit(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str | Reopen:
    """Book, move, cancel or show, by the carer's choice; a slot gone meanwhile asks again."""
    action = data["action"]
    try:
        if action == SEE:
            booking = await upcoming_previsit(uow, person.id, ctx)
            if booking is None or booking.id != data["booking"]:
                raise NotYourBooking(data["booking"])
            details = await describe_previsit(uow, booking, ctx)
            return NothingSent(
                f"Your pre-visit:\n{details}\n\nSend /previsit to move or cancel it."
            )
        if action == CANCEL_IT:
            if data["cancel_sure"] != YES:
                return NothingSent(f"Your pre-visit on {data['booked']} stays booked.")
            await cancel_previsit(uow, carer=person, booking_id=data["booking"], ctx=ctx)
            return (
                f"Your pre-visit on {data['booked']} is cancelled; the team has been told. "
                "Send /previsit if you'd like to book another."
            )
        starts_at = slot_start(ctx, data["day"], data["slot"])
        if action == MOVE:
            booking = await move_previsit(
                uow,
                carer=person,
                booking_id=data["booking"],
                venue_code=data["venue"],
                starts_at=starts_at,
                ctx=ctx,
            )
        else:
            booking = await book_previsit(
                uow,
                carer=person,
                venue_code=data["venue"],
                starts_at=starts_at,
                child_ids=_child_ids(data),
                answers=PrevisitAnswers(
                    _said(data, "routine"), _said(data, "school"), _said(data, "clubs")
                ),
                ctx=ctx,
            )
    except SlotTaken:
        return await _ask_again(uow, data, ctx)
    except NotYourBooking:
        return NothingSent(
            "That pre-visit has changed meanwhile; send /previsit to see where it stands."
        )
    details = await describe_previsit(uow, booking, ctx)
    return f"Your pre-visit:\n{details}\n\nSend /previsit to see, move or cancel it."


def _child_ids(data: Data) -> list[int]:
    keys = [key for key, _ in data["children"]] if data["child"] == ALL else [data["child"]]
    return [int(key) for key in keys]


async def _ask_again(uow: AsyncSession, data: dict[str, Any], ctx: ServiceContext) -> Reopen:
    """The time went between seeing and confirming it: fresh times (or days), all else kept."""
    offer = await free_previsit_slots(uow, ctx, leaving_out=data.get("booking"))
    kept = {k: v for k, v in data.items() if k not in ("slot", "confirm")}
    if offer.get(data["venue"], {}).get(data["day"]):
        problem = f"Sorry, {data['slot']} on {_day(data)} has just been taken; please pick another."
        return Reopen("slot", kept, problem, return_to="confirm")
    kept.pop("day", None)
    return Reopen(
        "day", kept, f"Sorry, {_day(data)} has just been fully booked; please pick another."
    )


BOOK_PREVISIT = Capability(
    PREVISIT.name,
    frozenset({Role.CARER.value}),
    FlowSpec(PREVISIT, prepare_previsit, finish_previsit, refresh_previsit),
    description="Book, see, move or cancel your pre-visit",
    label="📅 Book pre-visit",
)
