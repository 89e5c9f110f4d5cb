"""A local Bot API emulator: speaks Telegram's HTTP API to the bot and simulates people."""

from bot.emulator.server import BotApiEmulator
from bot.emulator.state import (
    CallbackAnswer,
    EmulatedDocument,
    EmulatedMessage,
    Fault,
    RateLimits,
)

__all__ = [
    "BotApiEmulator",
    "CallbackAnswer",
    "EmulatedDocument",
    "EmulatedMessage",
    "Fault",
    "RateLimits",
]
