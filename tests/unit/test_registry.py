"""The registry: one declaration per capability, and everything else derived from it."""

from __future__ import annotations

import pytest

from conversations.capabilities import REGISTRY
from conversations.engine import FLOW_PREFIX
from conversations.menus import show_help
from conversations.registry import ButtonFamily, Capability, Command, FlowSpec, Registry
from handlers.delivery.chat import MENU_PREFIX, ChatEvent
from handlers.delivery.start_buttons import StartTap, parse_start_button, start_data
from storage.models import Role

CARER_COMMANDS = (
    ("handover", "Fill in the handover card for a session"),
    ("illness", "Tell us a child is ill"),
    ("late", "Tell the worker you're running late"),
    ("cantcome", "Call off a session you can't make"),
    ("mysessions", "Your children's sessions coming up"),
    ("previsit", "Book, see, move or cancel your pre-visit"),
    ("contacts", "Phone numbers and opening hours"),
    ("cancel", "Stop what you are doing"),
    ("help", "What I can do"),
)
STAFF_COMMANDS = CARER_COMMANDS[6:]
ALERT = ("alert", "Raise a safeguarding alert")
ALERTS = ("alerts", "Alerts not yet resolved")
PREVISITS = ("previsits", "Pre-visits booked")
RETURN_CARD = ("returncard", "Send the carer a return card after a session")
TODAY = ("today", "Your sessions today: what to know, and arrivals")
NOTE = ("note", "Write a note during your session")
END_SESSION = ("endsession", "End the session you're in (on time or early)")
REPORT = ("report", "Review and submit a session's report")


def test_every_capability_has_its_own_name_and_every_family_its_own_prefix() -> None:
    names = [c.name for c in REGISTRY.capabilities]
    assert len(names) == len(set(names))
    starts = [c.starts for c in REGISTRY.capabilities]
    prefixes = [s.prefix for s in starts if isinstance(s, ButtonFamily)]
    assert len(prefixes) == len(set(prefixes))
    everything = [*prefixes, MENU_PREFIX, FLOW_PREFIX]
    assert not [(a, b) for a in everything for b in everything if a != b and b.startswith(a)]
    for name, spec in REGISTRY.flows.items():
        assert spec.flow.name == name  # stored conversations find their flow by this name


def test_a_registry_refuses_a_name_or_prefix_that_could_mean_two_things() -> None:
    handle = Command(show_help)
    one = Capability("help", frozenset({Role.CARER.value}), handle)

    async def press(_call: object, _data: str) -> str:
        return "pressed"

    with pytest.raises(ValueError, match="share a name"):
        Registry((one, one))
    with pytest.raises(ValueError, match="start of another"):
        Registry((one, Capability("menu_like", one.roles, ButtonFamily("m:x", press))))
    with pytest.raises(ValueError, match="start of another"):
        Registry(
            (
                Capability("short", one.roles, ButtonFamily("n", press)),
                Capability("long", one.roles, ButtonFamily("n:", press)),
            )
        )
    with pytest.raises(ValueError):
        Registry((Capability("Not a command", one.roles, handle),))
    illness = REGISTRY.flows["illness"]
    with pytest.raises(ValueError, match="declared as"):
        renamed = FlowSpec(illness.flow, illness.prepare, illness.finish)
        Registry((Capability("sick", one.roles, renamed),))


@pytest.mark.parametrize(
    ("role", "commands"),
    [
        (Role.CARER, CARER_COMMANDS),
        (Role.WORKER, (ALERT, TODAY, NOTE, END_SESSION, REPORT, RETURN_CARD, *STAFF_COMMANDS)),
        (Role.SENIOR, (ALERT, TODAY, ALERTS, PREVISITS, *STAFF_COMMANDS)),
        (Role.MANAGER, (ALERT, ALERTS, PREVISITS, *STAFF_COMMANDS)),
        (Role.COORDINATOR, (ALERTS, PREVISITS, *STAFF_COMMANDS)),
        (Role.ADMIN, (ALERTS, *STAFF_COMMANDS)),
        (Role.SOCIAL_WORKER, STAFF_COMMANDS),
    ],
)
def test_each_roles_command_menu_and_help_come_from_the_registry(
    role: Role, commands: tuple[tuple[str, str], ...]
) -> None:
    assert REGISTRY.commands_for(role.value) == commands
    help_lines = REGISTRY.help_text(role.value).splitlines()
    assert help_lines == ["Here's what you can do:", *(f"/{c} — {d}" for c, d in commands)]


def test_someone_not_linked_is_offered_start_and_contacts() -> None:
    assert REGISTRY.public_commands() == (
        ("start", "Start, or link your account with an invite"),
        ("contacts", "Phone numbers and opening hours"),
    )


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        (
            Role.CARER,
            [
                ("📝 Handover card", "m:handover"),
                ("🤒 Report a child is ill", "m:illness"),
                ("⏰ Running late", "m:late"),
                ("❌ Can't make it", "m:cantcome"),
                ("🗓 My sessions", "m:mysessions"),
                ("📅 Book pre-visit", "m:previsit"),
                ("📞 Contacts", "m:contacts"),
            ],
        ),
        (
            Role.WORKER,
            [
                ("🚨 Raise an alert", "m:alert"),
                ("📋 Today", "m:today"),
                ("🖊 Note", "m:note"),
                ("📝 Return card", "m:returncard"),
                ("📞 Contacts", "m:contacts"),
            ],
        ),
        (
            Role.SENIOR,
            [
                ("🚨 Raise an alert", "m:alert"),
                ("📋 Today", "m:today"),
                ("📋 Open alerts", "m:alerts"),
                ("📞 Contacts", "m:contacts"),
            ],
        ),
        (Role.COORDINATOR, [("📋 Open alerts", "m:alerts"), ("📞 Contacts", "m:contacts")]),
        (Role.SOCIAL_WORKER, [("📞 Contacts", "m:contacts")]),
    ],
)
def test_each_roles_main_menu_comes_from_the_registry(
    role: Role, menu: list[tuple[str, str]]
) -> None:
    rows = REGISTRY.main_menu(role.value)
    assert all(len(row) == 1 for row in rows)
    assert [(row[0].text, row[0].data) for row in rows] == menu


@pytest.mark.parametrize(
    ("name", "argument", "data"),
    [
        ("handover", None, "m:handover"),
        ("late", "42", "m:late:42"),
        ("late", "a-B_9", "m:late:a-B_9"),
    ],
)
def test_a_start_button_round_trips(name: str, argument: str | None, data: str) -> None:
    assert start_data(name, argument) == data
    assert parse_start_button(data) == StartTap(name, argument)


@pytest.mark.parametrize(
    "forged",
    [
        "m:",
        "m:Late",
        "m:late:",
        "m:late:1:2",
        "m:late:1 2",
        "m:late:²",
        "m:late:" + "1" * 25,
        "m:" + "x" * 33,
        "a:late",
        "late",
    ],
)
def test_forged_start_button_data_is_not_understood(forged: str) -> None:
    assert parse_start_button(forged) is None


@pytest.mark.parametrize(("name", "argument"), [("Late", None), ("late", "Casey Testcarer")])
def test_a_start_button_cannot_carry_anything_but_a_short_opaque_id(
    name: str, argument: str | None
) -> None:
    with pytest.raises(ValueError):
        start_data(name, argument)


def test_only_capabilities_that_take_an_argument_are_offered_one() -> None:
    takers = {c.name for c in REGISTRY.capabilities if c.takes_argument}
    assert takers == {
        "late",
        "cantcome",
        "returncard",
        "alert",  # the session, from "Raise an alert" on a session ended early for risk
        "note",
        "amendnote",
        "endsession",
        "report",  # the session, from "Review the report" after ending it
    }


def _event(text: str | None = None, data: str | None = None) -> ChatEvent:
    return ChatEvent(1, 7, 7, text=text, callback_data=data, callback_id="c" if data else None)


@pytest.mark.parametrize(
    ("event", "flow", "urgent"),
    [
        (_event("/alert"), None, True),
        (_event("/ALERT@familytime_bot"), None, True),
        (_event("/alerts"), None, True),
        (_event(data="m:alert"), None, True),
        (_event(data="a:12:ack"), None, True),
        (_event("a note about it"), "alert", True),
        (_event(data="f:abc:0"), "resolve", True),
        (_event("/illness"), None, False),
        (_event(data="m:late:3"), None, False),
        (_event(data="n:5"), None, False),
        (_event("/alertness"), None, False),
        (_event("hello"), "illness", False),
    ],
)
def test_urgent_updates_are_those_of_capabilities_marked_urgent(
    event: ChatEvent, flow: str | None, urgent: bool
) -> None:
    assert REGISTRY.is_urgent(event, flow) is urgent
