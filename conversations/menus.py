"""What each role can do from the chat: commands, menu buttons and the greeting."""

from __future__ import annotations

from handlers.alerts.raising import RAISERS, RESPONDERS
from handlers.delivery.chat import MENU_PREFIX, Button, Keyboard
from handlers.service.config import ServiceConfig
from handlers.service.labels import role_title
from storage.models import Person, Role

_CARER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("handover", "Fill in the handover card for a session"),
    ("illness", "Tell us a child is ill"),
    ("contacts", "Phone numbers and opening hours"),
    ("cancel", "Stop what you are doing"),
    ("help", "What I can do"),
)
_ALERT_COMMAND = ("alert", "Raise a safeguarding alert")
_ALERTS_COMMAND = ("alerts", "Alerts not yet resolved")
_STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("contacts", "Phone numbers and opening hours"),
    ("cancel", "Stop what you are doing"),
    ("help", "What I can do"),
)

PUBLIC_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Start, or link your account with an invite"),
    ("contacts", "Phone numbers and opening hours"),
)

def commands_for(role: str) -> tuple[tuple[str, str], ...]:
    """The slash commands a role sees in Telegram's menu."""
    if role == Role.CARER:
        return _CARER_COMMANDS
    extra = [_ALERT_COMMAND] if role in RAISERS else []
    extra += [_ALERTS_COMMAND] if role in RESPONDERS else []
    return (*extra, *_STAFF_COMMANDS)


def main_menu(role: str) -> Keyboard:
    """The buttons under every greeting and 'what next?' message."""
    rows: list[tuple[Button, ...]] = []
    if role == Role.CARER:
        rows.append((Button("📝 Handover card", f"{MENU_PREFIX}handover"),))
        rows.append((Button("🤒 Report a child is ill", f"{MENU_PREFIX}illness"),))
    if role in RAISERS:
        rows.append((Button("🚨 Raise an alert", f"{MENU_PREFIX}alert"),))
    if role in RESPONDERS:
        rows.append((Button("📋 Open alerts", f"{MENU_PREFIX}alerts"),))
    rows.append((Button("📞 Contacts", f"{MENU_PREFIX}contacts"),))
    return tuple(rows)


def greeting(person: Person, service_name: str) -> str:
    """The welcome a person gets once linked, by role."""
    role = role_title(person.role)
    lines = [f"Hello {person.first_name}, you're linked to {service_name} as a {role}."]
    if person.role == Role.CARER:
        lines.append("Tap a button below, or send /illness to tell us a child is ill.")
    elif person.role in RAISERS:
        lines.append("In a session, send /alert (or tap 🚨) to raise a safeguarding alert.")
    else:
        lines.append("Tap a button below, or send /help to see what I can do.")
    return "\n".join(lines)


def help_text(role: str) -> str:
    """A short list of what a role can ask for."""
    lines = ["Here's what you can do:"]
    lines += [f"/{name} — {description}" for name, description in commands_for(role)]
    return "\n".join(lines)


def contacts_text(config: ServiceConfig, hours: str) -> str:
    """The service's public phone numbers and hours; safe for anyone."""
    contacts = config.contacts
    return (
        f"{config.service_name}\n"
        f"Office: {contacts.office_phone} ({hours})\n"
        f"Out of hours, in an emergency: Emergency Social Work Team {contacts.out_of_hours_phone}\n"
        "If a child is in immediate danger, call 999."
    )


def stranger_text(config: ServiceConfig, hours: str) -> str:
    """All a person who is not linked gets: public contacts and how to get an invite."""
    return (
        "I can only help people who have been invited by the Family Time service.\n"
        f"{config.contacts.invite_help}\n\n{contacts_text(config, hours)}"
    )
