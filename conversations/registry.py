"""One registry of what a person can do: each command, flow and button family declared once.

A capability is declared in the module of its concept (its command, menu label, roles and how it
starts); `conversations/capabilities.py` lists them in menu order. The router, Telegram's command
menu, /help and each role's main menu are all derived from that list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.engine import FLOW_PREFIX, Flow
from conversations.put_aside import PUT_ASIDE_PREFIX
from conversations.replies import Reply
from handlers.delivery.chat import MENU_PREFIX, ChatEvent, Keyboard
from handlers.delivery.start_buttons import parse_start_button, start_button, start_data
from handlers.service.context import ServiceContext
from storage.models import ConversationState, Person, Role

EVERYONE = frozenset(role.value for role in Role)

# What a flow needs to start (or one sentence saying why it can't); the argument comes from a
# start button on a pushed message, and must be checked again against the person.
Prepare = Callable[
    [AsyncSession, Person, ServiceContext, str | None], Awaitable[dict[str, Any] | str]
]
# The facts a flow's questions are drawn from (what is free now, say), gathered again before
# each input is read and each question is drawn; returns the data with them updated.
Refresh = Callable[[AsyncSession, int, ServiceContext, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Reopen:
    """A finish that could not be done as asked (the slot went meanwhile): ask `step` again
    with the answers kept, after one sentence saying why, then go back to `return_to` (the
    summary), asking only what has no answer that still fits."""

    step: str
    data: dict[str, Any]
    problem: str
    return_to: str | None = None


class NothingSent(str):
    """A finish's reply when nothing went to anyone (a booking shown, a change refused): out of
    office hours it says when the office opens, not when they will see it."""

    __slots__ = ()


class SeenAtOnce(str):
    """A finish's reply when it went straight to the session's worker, who reads it now: out of
    office hours it says when the office opens, not when they will see it."""

    __slots__ = ()



@dataclass(frozen=True)
class Done:
    """A finish's reply with buttons of its own (a note's *End session*), above the menu."""

    text: str
    keyboard: Keyboard = ()


Finish = Callable[
    [AsyncSession, Person, dict[str, Any], ServiceContext], Awaitable[str | Reopen | Done]
]


@dataclass(frozen=True)
class FlowSpec:
    """Starts a flow: prepare its data, run its steps, finish with the use case."""

    flow: Flow
    prepare: Prepare
    finish: Finish
    refresh: Refresh | None = None

    @property
    def done_outcome(self) -> str:
        """The outcome of an update that finished this flow (kept on its inbox row)."""
        return f"{self.flow.name}_done"


@dataclass(frozen=True)
class Call:
    """One use of a capability: who, their open conversation, where the answer goes."""

    uow: AsyncSession
    person: Person
    row: ConversationState | None
    reply: Reply
    ctx: ServiceContext
    registry: Registry
    argument: str | None = None


@dataclass(frozen=True)
class Begin:
    """A button's answer that opens a flow (an alert's Resolve opens the resolve flow)."""

    flow: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Command:
    """Starts a command handler; afterwards the person's open question is asked again."""

    handle: Callable[[Call], Awaitable[str]]
    reminds_current: bool = True


@dataclass(frozen=True)
class ButtonFamily:
    """Buttons on pushed messages whose callback data starts with `prefix`, with their codec."""

    prefix: str
    press: Callable[[Call, str], Awaitable[str | Begin]]
    # A tap by someone not linked (a forwarded message): put it on the record, say nothing.
    on_stranger: Callable[[AsyncSession, ChatEvent, ServiceContext], Awaitable[None]] | None = None


Starts = FlowSpec | Command | ButtonFamily


@dataclass(frozen=True)
class Capability:
    """Something a person can do: its name, who may, how it starts, and how it is offered."""

    name: str  # the command and the start button's code; stored in chats, so never renamed
    roles: frozenset[str]
    starts: Starts
    description: str = ""  # in Telegram's command menu and /help; empty: not listed
    label: str = ""  # its button in the role's main menu; empty: none
    takes_argument: bool = False  # a start button may carry a short opaque id
    is_urgent: bool = False  # handled even when the person's inbox is over its limit
    is_public: bool = False  # offered to people not linked yet
    is_listed: bool = True  # in a linked person's command menu and /help (when described)


class Registry:
    """The capabilities in menu order, with everything derived from them."""

    def __init__(self, capabilities: Iterable[Capability]) -> None:
        self.capabilities = tuple(capabilities)
        self._by_name = {c.name: c for c in self.capabilities}
        self._families = {
            c.starts.prefix: c for c in self.capabilities if isinstance(c.starts, ButtonFamily)
        }
        self.flows: Mapping[str, FlowSpec] = {
            c.name: c.starts for c in self.capabilities if isinstance(c.starts, FlowSpec)
        }
        _check(self.capabilities, self._by_name, self._families)

    def find(self, name: str) -> Capability | None:
        """The command or flow called `name` (a button family is not started by name)."""
        found = self._by_name.get(name)
        return None if found is None or isinstance(found.starts, ButtonFamily) else found

    def family_for(self, data: str) -> Capability | None:
        """The button family that owns this callback data, if any."""
        return next((c for p, c in self._families.items() if data.startswith(p)), None)

    def commands_for(self, role: str) -> tuple[tuple[str, str], ...]:
        """The slash commands a role sees in Telegram's menu and in /help."""
        return tuple(
            (c.name, c.description)
            for c in self.capabilities
            if c.description and c.is_listed and role in c.roles
        )

    def public_commands(self) -> tuple[tuple[str, str], ...]:
        """The commands offered to someone not linked yet."""
        return tuple((c.name, c.description) for c in self.capabilities if c.is_public)

    def main_menu(self, role: str) -> Keyboard:
        """The buttons under every greeting and 'what next?' message."""
        return tuple(
            (start_button(c.label, c.name),)
            for c in self.capabilities
            if c.label and role in c.roles
        )

    def help_text(self, role: str) -> str:
        """A short list of what a role can ask for."""
        lines = ["Here's what you can do:"]
        lines += [f"/{name} — {description}" for name, description in self.commands_for(role)]
        return "\n".join(lines)

    def is_urgent(self, event: ChatEvent, flow: str | None) -> bool:
        """Whether an update starts, answers or carries on something urgent (an alert)."""
        if flow is not None and flow in self._by_name and self._by_name[flow].is_urgent:
            return True
        data = event.callback_data or ""
        family = self.family_for(data)
        if family is not None:
            return family.is_urgent
        tap = parse_start_button(data)
        text = (event.text or "").strip().lower()
        name = tap.name if tap else text[1:].split(" ", 1)[0].split("@", 1)[0]
        found = self.find(name) if tap or text.startswith("/") else None
        return found is not None and found.is_urgent


def _check(
    capabilities: tuple[Capability, ...],
    by_name: Mapping[str, Capability],
    families: Mapping[str, Capability],
) -> None:
    """Refuse a registry in which a name or a callback prefix could mean two things."""
    if len(by_name) != len(capabilities):
        raise ValueError("two capabilities share a name")
    if len(families) != sum(isinstance(c.starts, ButtonFamily) for c in capabilities):
        raise ValueError("two button families share a prefix")
    prefixes = [*families, MENU_PREFIX, FLOW_PREFIX, PUT_ASIDE_PREFIX]
    for prefix in prefixes:
        if any(other != prefix and other.startswith(prefix) for other in prefixes):
            raise ValueError(f"callback prefix {prefix!r} is the start of another")
    for c in capabilities:
        if not isinstance(c.starts, ButtonFamily):
            start_data(c.name)  # a name a start button can carry
        if isinstance(c.starts, FlowSpec) and c.starts.flow.name != c.name:
            raise ValueError(f"flow {c.starts.flow.name!r} is declared as {c.name!r}")
