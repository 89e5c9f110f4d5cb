"""The worker's notes during a session: which session (preselected) → kind → the note, with a
nudge on an observed note that reads as an opinion (amending one: flows/amend_note.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import FINISH, Choose, Data, Flow, FreeText, Option, Step
from conversations.flows.session_choice import chosen_session_label, session_options
from conversations.inputs import Answer, OptionRows, Problem
from conversations.registry import Capability, Done, FlowSpec
from handlers.delivery.chat import MEDIA_WORDS, Keyboard
from handlers.delivery.start_buttons import start_button
from handlers.service.context import ServiceContext
from handlers.sessions import (
    AMEND_START,
    END_START,
    KIND_LABELS,
    KIND_WORDS,
    NOTE_START,
    SESSION_NOTE_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
    NoteWritten,
    NotYourSessionNow,
    SessionEnded,
    add_note,
    opinion_nudge,
    opinion_words_in,
    worker_sessions_now,
)
from storage.models import NoteKind, Person, Role, Session

KEEP_AS_WRITTEN, REWRITE = "keep", "rewrite"
WORKERS = frozenset({Role.WORKER.value})


@dataclass(frozen=True)
class NoteText:
    """A typed note (or, at the kind question, a tap on a kind); media is not kept."""

    kinds: tuple[Option, ...] = ()

    def render(self, data: Data) -> tuple[str, OptionRows]:
        return "", (self.kinds[:2], self.kinds[2:]) if self.kinds else ()

    def accept_press(self, key: str, data: Data) -> Answer | Problem:
        kind = next((o for o in self.kinds if o.key == key), None)
        if kind is None:
            return Problem("Please type your note as a message (or send /cancel to stop).")
        return Answer(kind.key, kind.label)

    def accept_text(self, text: str, data: Data) -> Answer | Problem:
        words = FreeText(max_length=SESSION_NOTE_MAX_LENGTH).accept_text(text, data)
        if isinstance(words, Answer) and words.value in {o.key for o in self.kinds}:
            return Answer(f"{words.value} ", words.label)  # typed "said": a note, not a tap
        return words

    def accept_media(self, media: str, caption: str, data: Data) -> Answer | Problem:
        words = MEDIA_WORDS.get(media, "attachments")
        return Problem(
            f"Session notes keep typed words only, so nothing from {words} is kept: please "
            "type what you saw and heard instead."
        )

    def auto_answer(self, data: Data) -> Answer | None:
        return None

    def describe(self, value: Any, data: Data) -> str | None:
        kind = next((o.label for o in self.kinds if o.key == value), None)
        return kind or (str(value) if value is not None else None)


KINDS = tuple(Option(kind.value, label) for kind, label in KIND_LABELS.items())
_KIND_KEYS = {kind.value for kind in NoteKind}


def _is_tapped(data: Data) -> bool:
    """Whether the kind was tapped first (rather than the note typed first)."""
    return data.get("kind") in _KIND_KEYS


def chosen_kind(data: Data) -> NoteKind:
    """The note's kind, tapped first or asked for after the note was typed."""
    return NoteKind(data["kind"] if _is_tapped(data) else data["typed_kind"])


def note_text(data: Data) -> str:
    """The note as it will be kept: rewritten after the nudge, typed after the kind, or first."""
    if data.get("nudge") == REWRITE:
        return str(data["rewritten"])
    return str(data["text"] if _is_tapped(data) else data["kind"]).strip()


def _nudge_or_finish(data: Data) -> str:
    kind = chosen_kind(data)
    found = opinion_words_in(note_text(data), data["opinion_words"])
    return "nudge" if kind is NoteKind.OBSERVED and found else FINISH


def _after_kind(data: Data) -> str:
    if not _is_tapped(data):
        return "typed_kind"
    return "source" if chosen_kind(data) is NoteKind.REPORTED else "text"


def _after_typed_kind(data: Data) -> str:
    return "source" if chosen_kind(data) is NoteKind.REPORTED else _nudge_or_finish(data)


_ASK_TEXT = {
    NoteKind.OBSERVED: "What did you see and hear?",
    NoteKind.SAID: "Type the words as they were spoken; I'll keep them as a quote.",
    NoteKind.REPORTED: "What did they say?",
    NoteKind.VIEW: "Your professional view (it will be labelled as your view):",
}


def _ask_nudge(data: Data) -> str:
    return opinion_nudge(opinion_words_in(note_text(data), data["opinion_words"]))


NOTE = Flow(
    name=NOTE_START,
    title="a session note",
    steps=(
        Step(
            name="session",
            ask=lambda _: "Which session is this note for?",
            expects=Choose(session_options, skip_when_single=True),
            save_as="session",
        ),
        Step(
            name="kind",
            ask=lambda d: (
                f"🖊 Note for {chosen_session_label(d)}\nWhat kind of note? Tap one, or type "
                "the note and I'll ask."
            ),
            expects=NoteText(KINDS),
            save_as="kind",
            next=_after_kind,
        ),
        Step(
            name="typed_kind",
            ask=lambda _: "What kind of note is this? (your words are kept)",
            expects=Choose(lambda _: KINDS),
            save_as="typed_kind",
            next=_after_typed_kind,
        ),
        Step(
            name="source",
            ask=lambda _: "Who said it? (their role, e.g. mum, the child; no names)",
            expects=FreeText(max_length=SOURCE_MAX_LENGTH),
            save_as="source",
            next=lambda d: "text" if _is_tapped(d) else FINISH,
        ),
        Step(
            name="text",
            ask=lambda d: _ASK_TEXT[chosen_kind(d)],
            expects=NoteText(),
            save_as="text",
            next=_nudge_or_finish,
        ),
        Step(
            name="nudge",
            ask=_ask_nudge,
            expects=Choose(
                lambda _: (Option(KEEP_AS_WRITTEN, "Keep as written"), Option(REWRITE, "Rewrite"))
            ),
            save_as="nudge",
            next=lambda d: "rewritten" if d["nudge"] == REWRITE else FINISH,
        ),
        Step(
            name="rewritten",
            ask=lambda _: "Type the note again, saying what you saw and heard.",
            expects=NoteText(),
            save_as="rewritten",
        ),
    ),
)


def _session_label(session: Session, ctx: ServiceContext) -> str:
    children = ", ".join(child.label for child in session.children) or "no children listed"
    return f"{session.ref} {ctx.local(session.starts_at):%H:%M} · {children}"


async def prepare_note(
    uow: AsyncSession, person: Person, ctx: ServiceContext, argument: str | None
) -> dict[str, Any] | str:
    """The worker's sessions now still open for notes (only the one a button names), or why not."""
    found = await worker_sessions_now(uow, person.id, ctx)
    if argument is not None:
        found = [s for s in found if str(s.id) == argument]
        if not found:
            return "That isn't one of your sessions running now, so I can't add a note to it."
    open_ = [s for s in found if s.ended_at is None]
    if not open_:
        if found:
            return _ended_line(found[0], ctx)
        return "You have no session running now (or starting soon) to write a note for."
    return {
        "sessions": [[str(s.id), _session_label(s, ctx)] for s in open_],
        "opinion_words": list(ctx.config.notes.opinion_words),
    }


def _ended_line(session: Session, ctx: ServiceContext) -> str:
    ended = f"{ctx.local(session.ended_at):%H:%M}" if session.ended_at else "earlier"
    return (
        f"Session {session.ref} was ended at {ended}, so new notes can't be added to it; "
        "tap ✏ Amend under one of its notes to correct or add to it."
    )


def _written_buttons(written: NoteWritten) -> Keyboard:
    return (
        (start_button("🖊 Another note", NOTE_START, str(written.session_id)),),
        (start_button("✏ Amend this note", AMEND_START, str(written.note_id)),),
        (start_button("🏁 End session", END_START, str(written.session_id)),),
    )


async def finish_note(
    uow: AsyncSession, person: Person, data: dict[str, Any], ctx: ServiceContext
) -> str | Done:
    """Keep the note; the confirmation offers another, an amendment, or ending the session."""
    kind = chosen_kind(data)
    try:
        written = await add_note(
            uow,
            worker=person,
            session_id=int(data["session"]),
            kind=kind,
            text=note_text(data),
            source=str(data["source"]) if kind is NoteKind.REPORTED else None,
            ctx=ctx,
        )
    except (NotYourSessionNow, SessionEnded):
        return (
            "That session has ended meanwhile, so I couldn't keep this as a new note. It read: "
            f"“{note_text(data)}”. Tap ✏ Amend under one of its notes to add it as an amendment."
        )
    return Done(
        f"🖊 Noted at {written.written} ({KIND_WORDS[kind]}), session "
        f"{chosen_session_label(data)}.",
        _written_buttons(written),
    )


WRITE_NOTE = Capability(
    NOTE.name,
    WORKERS,
    FlowSpec(NOTE, prepare_note, finish_note),
    description="Write a note during your session",
    label="🖊 Note",
    takes_argument=True,
)
