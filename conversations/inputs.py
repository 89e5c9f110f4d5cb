"""What a question accepts: each kind of input is one class behind one protocol, so a new kind
(a date or slot picker) is a new class here, not an edit of the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from handlers.delivery.chat import MEDIA_WORDS

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Option:
    """One answer a person can tap; `key` is short and opaque."""

    key: str
    label: str


OptionRows = tuple[tuple[Option, ...], ...]


@dataclass(frozen=True)
class Answer:
    """An accepted answer: the value stored, and how it reads back to the person."""

    value: Any
    label: str


@dataclass(frozen=True)
class Problem:
    """Why an input was not an answer, as one sentence saying what to do instead."""

    text: str


class InputKind(Protocol):
    """What the engine asks of every kind of input."""

    def render(self, data: Data) -> tuple[str, OptionRows]:
        """A line to add under the question (may be empty) and the answer buttons."""
        ...

    def accept_press(self, key: str, data: Data) -> Answer | Problem:
        """The answer a pressed button (by its key) gives."""
        ...

    def accept_text(self, text: str, data: Data) -> Answer | Problem:
        """The answer a typed message gives."""
        ...

    def accept_media(self, media: str, caption: str, data: Data) -> Answer | Problem:
        """The answer a photo, voice note, ... with an optional caption gives."""
        ...

    def auto_answer(self, data: Data) -> Answer | None:
        """An answer that needs no question (a single possible choice), if any."""
        ...

    def describe(self, value: Any, data: Data) -> str | None:
        """A stored answer in words, or None when it no longer fits this question."""
        ...


def not_passed_on(media: str) -> str:
    """One sentence: the bot can't pass this kind of thing on to anyone."""
    words = MEDIA_WORDS.get(media, "attachments")
    return f"I can't pass on {words}, so nobody will see it."


TAP = "Please tap one of the buttons below (or send /cancel to stop)."


@dataclass(frozen=True)
class Choose:
    """Pick one of some buttons (typing the label or its number also works)."""

    options: Callable[[Data], Sequence[Option]]
    skip_when_single: bool = False

    def render(self, data: Data) -> tuple[str, OptionRows]:
        return "", tuple((o,) for o in self.options(data))

    def accept_press(self, key: str, data: Data) -> Answer | Problem:
        match = next((o for o in self.options(data) if o.key == key), None)
        return Answer(match.key, match.label) if match else Problem(TAP)

    def accept_text(self, text: str, data: Data) -> Answer | Problem:
        options = list(self.options(data))
        typed = text.strip().lower()
        match = next((o for o in options if o.label.lower() == typed), None)
        if match is None and typed.isdecimal() and 1 <= int(typed) <= len(options):
            match = options[int(typed) - 1]
        return Answer(match.key, match.label) if match else Problem(TAP)

    def accept_media(self, media: str, caption: str, data: Data) -> Answer | Problem:
        return Problem(f"{not_passed_on(media)} Please tap one of the buttons below.")

    def auto_answer(self, data: Data) -> Answer | None:
        options = self.options(data) if self.skip_when_single else ()
        return Answer(options[0].key, options[0].label) if len(options) == 1 else None

    def describe(self, value: Any, data: Data) -> str | None:
        return next((o.label for o in self.options(data) if o.key == value), None)


@dataclass(frozen=True)
class FreeText:
    """A short typed answer, or one of a few shortcut buttons (e.g. "no note")."""

    max_length: int = 500
    example: str = ""
    shortcuts: tuple[Option, ...] = ()

    def render(self, data: Data) -> tuple[str, OptionRows]:
        suffix = f"For example: {self.example}" if self.example else ""
        return suffix, tuple((o,) for o in self.shortcuts)

    def accept_press(self, key: str, data: Data) -> Answer | Problem:
        shortcut = next((o for o in self.shortcuts if o.key == key), None)
        if shortcut is None:
            return Problem("Please type your answer as a message (or send /cancel to stop).")
        return Answer(shortcut.key, shortcut.label)

    def accept_text(self, text: str, data: Data) -> Answer | Problem:
        answer = " ".join(text.split())
        if not answer or answer.startswith("/"):
            return Problem("Please type a few words as your answer (or send /cancel to stop).")
        if len(answer) > self.max_length:
            return Problem(
                f"That's {len(answer)} characters; please send a shorter version "
                f"(up to {self.max_length})."
            )
        return Answer(answer, answer)

    def accept_media(self, media: str, caption: str, data: Data) -> Answer | Problem:
        if not caption.strip():
            return Problem(f"{not_passed_on(media)} Please type a few words about it instead.")
        return self.accept_text(caption, data)  # a caption still answers a question

    def auto_answer(self, data: Data) -> Answer | None:
        return None

    def describe(self, value: Any, data: Data) -> str | None:
        shortcut = next((o.label for o in self.shortcuts if o.key == value), None)
        return shortcut or (str(value) if value is not None else None)
