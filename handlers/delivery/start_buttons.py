"""Buttons that start a command or flow from any message: `m:<name>` or `m:<name>:<argument>`.

The menu's buttons and a pushed message's shortcuts (a reminder's "Fill in the handover card")
share this codec. The argument is short and opaque (a record's id, never personal data); the
capability it starts must check again that it belongs to the person who tapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.delivery.chat import MENU_PREFIX, Button

_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")  # a Telegram command name
_ARGUMENT = re.compile(r"[A-Za-z0-9_-]{1,24}")


@dataclass(frozen=True)
class StartTap:
    """A parsed start button: which capability, and the argument it carries, if any."""

    name: str
    argument: str | None = None


def start_data(name: str, argument: str | None = None) -> str:
    """The callback data that starts `name` (with `argument`); refuses what can't round-trip."""
    if not _NAME.fullmatch(name) or (argument is not None and not _ARGUMENT.fullmatch(argument)):
        raise ValueError("a start button needs a command name and a short opaque argument")
    return f"{MENU_PREFIX}{name}" + (f":{argument}" if argument is not None else "")


def start_button(label: str, name: str, argument: str | None = None) -> Button:
    """A button that starts `name`, from the menu or from a pushed message."""
    return Button(label, start_data(name, argument))


def parse_start_button(data: str) -> StartTap | None:
    """The tap from button data, or None if it is not a well-formed start button."""
    if not data.startswith(MENU_PREFIX):
        return None
    name, sep, argument = data[len(MENU_PREFIX) :].partition(":")
    if not _NAME.fullmatch(name) or (sep and not _ARGUMENT.fullmatch(argument)):
        return None
    return StartTap(name, argument if sep else None)
