"""Picking one of a carer's sessions in a flow: the choices, the one chosen, its children."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from conversations.engine import Data, Option
from storage.models import Session


def session_options(data: Data) -> Sequence[Option]:
    """The sessions a flow's `prepare` listed, as buttons."""
    return [Option(key, label) for key, label in data["sessions"]]


def chosen_session_label(data: Data) -> str:
    """How the chosen session was shown (its time and children), or nothing before a choice."""
    return next((label for key, label in data["sessions"] if key == data.get("session")), "")


def carers_children(session: Session, mine: Collection[int]) -> str:
    """The session's children whom this carer looks after, by initials."""
    return ", ".join(c.initials for c in session.children if c.id in mine) or "the children"
