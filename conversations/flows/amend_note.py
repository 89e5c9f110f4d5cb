"""Amending a worker's session note: a new note naming the one it amends, with its reason;
the original stays as it was written."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import Flow, FreeText, Step
from conversations.flows.notes import WORKERS, NoteText
from conversations.registry import Capability, Done, FlowSpec
from handlers.delivery.chat import button_number
from handlers.delivery.start_buttons import start_button
from handlers.service.context import ServiceContext
from handlers.sessions import (
    AMEND_START,
    KIND_WORDS,
    REASON_MAX_LENGTH,
    NotYourSessionNow,
    amend_note,
    note_to_amend,
)
from storage.models import NoteKind, Person

AMEND = Flow(
    name=AMEND_START,
    title="amending a session note",
    steps=(
        Step(
            name="text",
            ask=lambda d: (
                f"✏ Amending your note of {d['written']} ({d['kind_words']}): “{d['original']}”\n"
                "The original stays on the record. Type the note as it should read."
            ),
            expects=NoteText(),
            save_as="text",
        ),
        Step(
            name="reason",
            ask=lambda _: "Why are you amending it? (a few words, e.g. misheard, wrong time)",
            expects=FreeText(max_length=REASON_MAX_LENGTH),
            save_as="reason",
        ),
    ),
)


async def prepare_amend(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The note a button names, if it is on one of the worker's sessions now."""
    note_id = button_number(argument) if argument is not None else None
    note = await note_to_amend(uow, person, note_id, ctx) if note_id is not None else None
    if note is None:
        return "That isn't a note on one of your sessions now, so it can't be amended here."
    return {
        "note": note.id,
        "original": note.text,
        "written": f"{ctx.local(note.written_at):%H:%M}",
        "kind_words": KIND_WORDS[NoteKind(note.kind)],
    }


async def finish_amend(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str | Done:
    """Keep the amendment as a new note; the original is untouched."""
    try:
        written = await amend_note(
            uow,
            worker=person,
            note_id=int(data["note"]),
            text=str(data["text"]),
            reason=str(data["reason"]),
            ctx=ctx,
        )
    except NotYourSessionNow:
        return "That session is too long ago to amend its notes here; please tell the office."
    return Done(
        f"✏ Amendment kept at {written.written}; the original note of {data['written']} stays "
        "on the record.",
        ((start_button("✏ Amend this note", AMEND_START, str(written.note_id)),),),
    )


AMEND_NOTE = Capability(
    AMEND.name,
    WORKERS,
    FlowSpec(AMEND, prepare_amend, finish_amend),
    takes_argument=True,
)
