"""What the emulated Telegram remembers: users, chats, messages, pending updates and faults."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

Buttons = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EmulatedDocument:
    """A file the bot sent."""

    file_name: str
    content: bytes


@dataclass(frozen=True)
class EmulatedMessage:
    """A bot message as a chat saw it at one moment: as sent, or after an edit."""

    message_id: int
    chat_id: int
    text: str
    buttons: Buttons = ()
    protect_content: bool = False
    is_edit: bool = False
    document: EmulatedDocument | None = None
    reply_markup: dict[str, Any] | None = None


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answer to a button press."""

    callback_id: str
    text: str | None
    show_alert: bool


@dataclass
class Fault:
    """Make the next `times` matching calls fail (or stall) the way Telegram sometimes does."""

    error_code: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    method: str | None = None
    chat_id: int | None = None
    times: int = 1
    delay: float = 0.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Whether this fault applies to a call."""
        return (
            self.times > 0
            and (self.method is None or self.method.lower() == method.lower())
            and (self.chat_id is None or self.chat_id == chat_id)
        )


@dataclass(frozen=True)
class RateLimits:
    """Telegram's flood limits as the emulator enforces them (429 with retry_after above)."""

    overall_per_second: float = 30.0
    overall_burst: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 8


@dataclass
class StoredMessage:
    """A message as it stands now in a chat."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str
    reply_markup: dict[str, Any] | None = None
    protect_content: bool = False
    edit_date: int | None = None
    document: EmulatedDocument | None = None
    media: dict[str, Any] | None = None  # what a person attached, as Bot API `Message` fields


@dataclass
class EmulatedUser:
    """A Telegram user who chats privately with the bot."""

    user_id: int
    first_name: str
    has_started: bool = False
    has_blocked_bot: bool = False
    next_message_id: int = 1

    def as_json(self) -> dict[str, Any]:
        """The `User` object."""
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name}

    def chat_json(self) -> dict[str, Any]:
        """The private `Chat` object."""
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}


@dataclass
class EmulatorState:
    """All the emulated server's data; one event loop touches it, so no locks are needed."""

    bot_id: int
    bot_username: str
    users: dict[int, EmulatedUser] = field(default_factory=dict)
    stored: dict[tuple[int, int], StoredMessage] = field(default_factory=dict)
    log: dict[int, list[EmulatedMessage]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    redeliver: list[dict[str, Any]] = field(default_factory=list)
    open_callbacks: set[str] = field(default_factory=set)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    commands: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    limits: RateLimits | None = None
    allowed_at: dict[str, float] = field(default_factory=dict)  # GCRA per "global"/chat key
    throttled: int = 0  # 429s answered because a limit was exceeded
    # A round trip like a real one: each call but getUpdates is answered after a pause drawn
    # from this range (seconds), once its effect is done (a message sent but not yet answered).
    latency: tuple[float, float] | None = None
    in_flight: int = 0  # calls done but not yet answered
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_posts: list[tuple[int, int]] = field(default_factory=list)  # (update_id, status)
    revision: int = 0  # counts every change a chat shows (a page polls it)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(700_000))
    _callback_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9_000_001))
    _arrived: asyncio.Event | None = None

    def bot_json(self) -> dict[str, Any]:
        """The bot's own `User` object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Family Time",
            "username": self.bot_username,
        }

    def user(self, user_id: int, first_name: str | None = None) -> EmulatedUser:
        """The user, created on first sight."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = EmulatedUser(user_id, first_name or f"User{user_id}")
        elif first_name:
            user.first_name = first_name
        return user

    def new_message(self, user: EmulatedUser, *, from_bot: bool, text: str) -> StoredMessage:
        """Store a new message in the user's private chat."""
        message = StoredMessage(
            user.next_message_id, user.user_id, from_bot, int(time.time()), text
        )
        user.next_message_id += 1
        self.revision += 1
        self.stored[(user.user_id, message.message_id)] = message
        return message

    def continue_update_ids_after(self, last: int) -> None:
        """Number the next updates after `last`, as Telegram never reuses an update id (a bot
        restarted on its old database ignores a repeated one)."""
        self._update_ids = itertools.count(max(700_000, last + 1))

    def enqueue(self, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates and wake any long poll."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **payload}
        self.pending.append(update)
        self.sent_updates[update_id] = update
        self.wake()
        return update_id

    def next_callback_id(self) -> str:
        """A fresh callback query id."""
        return str(next(self._callback_ids))

    def wake(self) -> None:
        """Release long polls waiting for updates."""
        if self._arrived is not None:
            self._arrived.set()
            self._arrived = None

    def arrival(self) -> asyncio.Event:
        """An event set when the next update arrives."""
        if self._arrived is None:
            self._arrived = asyncio.Event()
        return self._arrived

    def record(self, message: StoredMessage, *, is_edit: bool) -> None:
        """Append a snapshot of a bot message to the chat's log (what the test reads)."""
        self.revision += 1
        markup = message.reply_markup or {}
        buttons = tuple(
            (str(button.get("text", "")), str(button.get("callback_data", "")))
            for row in markup.get("inline_keyboard", [])
            for button in row
        )
        self.log.setdefault(message.chat_id, []).append(
            EmulatedMessage(
                message_id=message.message_id,
                chat_id=message.chat_id,
                text=message.text,
                buttons=buttons,
                protect_content=message.protect_content,
                is_edit=is_edit,
                document=message.document,
                reply_markup=message.reply_markup,
            )
        )

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        """The first fault that applies to this call, counted down."""
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None


USER_MEDIA = ("photo", "voice", "video", "video_note", "document", "audio", "sticker")


def media_json(kind: str, file_key: str) -> dict[str, Any]:
    """The `Message` fields for something a person attached (a photo, a voice note, ...)."""
    file = {"file_id": f"{kind}-{file_key}", "file_unique_id": f"u-{kind}-{file_key}"}
    if kind == "photo":  # the sizes Telegram offers, smallest first
        return {
            "photo": [{**file, "width": 90, "height": 120}, {**file, "width": 600, "height": 800}]
        }
    if kind in ("voice", "audio"):
        return {kind: {**file, "duration": 7, "mime_type": "audio/ogg"}}
    if kind == "video":
        return {"video": {**file, "width": 640, "height": 480, "duration": 5}}
    if kind == "video_note":
        return {"video_note": {**file, "length": 240, "duration": 5}}
    if kind == "document":
        return {"document": {**file, "file_name": "scan.pdf", "mime_type": "application/pdf"}}
    if kind == "sticker":
        sticker = {**file, "type": "regular", "width": 512, "height": 512}
        return {"sticker": {**sticker, "is_animated": False, "is_video": False}}
    raise ValueError(f"the emulator can't send {kind!r}; use one of {', '.join(USER_MEDIA)}")


def check_rate(state: EmulatorState, chat_id: int, now: float) -> float:
    """0 if this send is within the limits (and counts it); else seconds until it would be."""
    limits = state.limits
    if limits is None:
        return 0.0
    rules = (
        ("global", 1 / limits.overall_per_second, limits.overall_burst),
        (f"chat:{chat_id}", 1 / limits.per_chat_per_second, limits.per_chat_burst),
    )
    waits = [
        state.allowed_at.get(key, now) - interval * (burst - 1) - now
        for key, interval, burst in rules
    ]
    if max(waits) > 0:
        state.throttled += 1
        return max(waits)
    for key, interval, _ in rules:
        state.allowed_at[key] = max(state.allowed_at.get(key, now), now) + interval
    return 0.0
