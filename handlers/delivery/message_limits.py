"""Telegram's size limits, applied where every message is queued: split or trim, never lost."""

from __future__ import annotations

from dataclasses import replace

from handlers.delivery.chat import (
    MAX_CAPTION_CHARS,
    MAX_TEXT_CHARS,
    AnswerButton,
    Delivery,
    EditMessage,
    SendDocument,
    SendMessage,
)

MAX_NOTICE_CHARS = 200  # answerCallbackQuery's text
MAX_PARTS = 4
SEE_EXPORT = "… (too long for one message; the full record is in the export)"
CONTINUED = "(continued)\n"


def _cut(text: str, limit: int) -> tuple[str, str]:
    """The longest head within `limit`, broken at a line (or space) where one is near."""
    if len(text) <= limit:
        return text, ""
    head = text[:limit]
    at = head.rfind("\n")
    if at < limit // 2:
        at = head.rfind(" ")
    if at < limit // 2:
        at = limit
    return text[:at].rstrip(), text[at:].lstrip("\n")


def trim(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """The text within `limit`, ending with a pointer to the export if anything was cut."""
    if len(text) <= limit:
        return text
    head, _ = _cut(text, limit - len(SEE_EXPORT) - 1)
    return f"{head}\n{SEE_EXPORT}"


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Parts of at most `limit` characters; past MAX_PARTS the last is trimmed with a pointer."""
    parts: list[str] = []
    rest = text
    while rest:
        room = limit - (len(CONTINUED) if parts else 0)
        if len(parts) == MAX_PARTS - 1:
            parts.append((CONTINUED if parts else "") + trim(rest, room))
            break
        head, rest = _cut(rest, room)
        parts.append((CONTINUED if parts else "") + head)
    return parts or [""]


def fit_delivery(delivery: Delivery) -> list[Delivery]:
    """One delivery as Telegram will take it: a long message split (buttons on the last part),
    an edit or a button notice trimmed."""
    if isinstance(delivery, SendMessage):
        parts = split_text(delivery.text)
        if len(parts) == 1:
            return [delivery]
        last = len(parts) - 1
        return [
            replace(delivery, text=part, keyboard=delivery.keyboard if i == last else ())
            for i, part in enumerate(parts)
        ]
    if isinstance(delivery, SendDocument) and len(delivery.caption) > MAX_CAPTION_CHARS:
        return [replace(delivery, caption=trim(delivery.caption, MAX_CAPTION_CHARS))]
    if isinstance(delivery, EditMessage) and len(delivery.text) > MAX_TEXT_CHARS:
        return [replace(delivery, text=trim(delivery.text))]
    if (
        isinstance(delivery, AnswerButton)
        and delivery.text
        and len(delivery.text) > MAX_NOTICE_CHARS
    ):
        return [replace(delivery, text=delivery.text[: MAX_NOTICE_CHARS - 1] + "…")]
    return [delivery]
