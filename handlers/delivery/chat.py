"""The chat vocabulary the core speaks: incoming events and outgoing deliveries, plain Python."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

MAX_CALLBACK_BYTES = 64
MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024
# Buttons that start a command or flow from any message: the menu, a reminder's shortcut.
MENU_PREFIX = "m:"


@dataclass(frozen=True)
class Button:
    """An inline button; `data` is short and opaque, never personal data."""

    text: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data longer than Telegram allows")


Keyboard = tuple[tuple[Button, ...], ...]


MAX_RECORD_ID = 2**31 - 1  # ids are INTEGER columns: PostgreSQL's hold no more


def button_number(text: str) -> int | None:
    """A record's id as button data carries it, or None unless it is ASCII digits up to the
    largest id: a forged button ('²' passes str.isdigit but not int(); a larger id would make the
    database refuse the query instead of finding nothing)."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_RECORD_ID))):
        return None
    return int(text) if int(text) <= MAX_RECORD_ID else None


# What the bot can't pass on, by the Bot API's field for it: the words a person is told.
MEDIA_WORDS = {
    "photo": "photos",
    "video": "videos",
    "video_note": "video messages",
    "voice": "voice notes",
    "audio": "audio files",
    "document": "files",
    "animation": "GIFs",
    "sticker": "stickers",
    "location": "locations",
    "contact": "contacts",
}


@dataclass(frozen=True)
class ChatEvent:
    """One thing a person did in a private chat: sent text, or pressed a button.

    `media` names what came with a message that the bot can't pass on (a photo, a voice
    note, ...; a key of MEDIA_WORDS); its caption, if any, is the `text`.
    """

    update_id: int
    telegram_user_id: int
    chat_id: int
    first_name: str = ""
    text: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    message_id: int | None = None
    media: str | None = None

    @property
    def is_button(self) -> bool:
        """Whether this is a button press rather than typed text."""
        return self.callback_id is not None

    def to_json(self) -> dict[str, Any]:
        """The event as stored in the inbox."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatEvent:
        """The event back from the inbox."""
        return cls(**data)


@dataclass(frozen=True)
class SendMessage:
    """A new message, with optional buttons."""

    text: str
    keyboard: Keyboard = ()
    protect_content: bool = False
    kind: Literal["send"] = "send"


@dataclass(frozen=True)
class SendDocument:
    """A small file (a calendar file, a report) with an optional caption and buttons."""

    filename: str
    content: bytes
    caption: str = ""
    keyboard: Keyboard = ()
    protect_content: bool = False
    kind: Literal["document"] = "document"


@dataclass(frozen=True)
class EditMessage:
    """Replace the text and buttons of a message the bot sent earlier."""

    message_id: int
    text: str
    keyboard: Keyboard = ()
    kind: Literal["edit"] = "edit"


@dataclass(frozen=True)
class AnswerButton:
    """Stop the spinner on a pressed button, with an optional short notice."""

    callback_id: str
    text: str | None = None
    kind: Literal["answer"] = "answer"


@dataclass(frozen=True)
class SetCommands:
    """The command menu Telegram shows in one chat."""

    commands: tuple[tuple[str, str], ...]
    kind: Literal["commands"] = "commands"


Delivery = SendMessage | SendDocument | EditMessage | AnswerButton | SetCommands


def delivery_to_json(delivery: Delivery) -> dict[str, Any]:
    """A delivery as stored in the outbox."""
    data = dict(delivery.__dict__)
    if isinstance(delivery, SendDocument):
        data["content"] = base64.b64encode(delivery.content).decode("ascii")
    if isinstance(delivery, SendMessage | SendDocument | EditMessage):
        data["keyboard"] = [[[b.text, b.data] for b in row] for row in delivery.keyboard]
    if isinstance(delivery, SetCommands):
        data["commands"] = [list(c) for c in delivery.commands]
    return data


def delivery_from_json(data: dict[str, Any]) -> Delivery:
    """A delivery back from the outbox."""
    fields = {k: v for k, v in data.items() if k != "kind"}
    kind = data["kind"]
    if "keyboard" in fields:
        rows = fields["keyboard"]
        fields["keyboard"] = tuple(tuple(Button(t, d) for t, d in row) for row in rows)
    if kind == "send":
        return SendMessage(**fields)
    if kind == "document":
        fields["content"] = base64.b64decode(fields["content"])
        return SendDocument(**fields)
    if kind == "edit":
        return EditMessage(**fields)
    if kind == "answer":
        return AnswerButton(**fields)
    if kind == "commands":
        return SetCommands(commands=tuple((c, d) for c, d in fields["commands"]))
    raise ValueError(f"unknown delivery kind {kind!r}")


@dataclass(frozen=True)
class DeliveryResult:
    """What Telegram said to one delivery."""

    ok: bool
    message_id: int | None = None
    is_permanent: bool = False
    retry_after: float | None = None
    error: str | None = None
    # The request went out but no answer came back: Telegram may have delivered it, and a retry
    # may then show it twice. Telegram has no idempotency key for sends, so this is counted.
    may_have_arrived: bool = False
    # Telegram says this person can't be sent anything (blocked, chat gone, account deleted),
    # as opposed to a bad request about this one message.
    is_unreachable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    """Sends one delivery to one chat through a Telegram runtime."""

    async def deliver(self, chat_id: int, delivery: Delivery) -> DeliveryResult:
        """Send it and classify the outcome; never raises for Telegram errors."""
        ...
