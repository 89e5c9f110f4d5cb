"""What every linked person can do: /start, /help, /contacts, /cancel, and the greeting."""

from __future__ import annotations

from datetime import datetime

from conversations.registry import EVERYONE, Call, Capability, Command
from handlers.alerts import RAISERS
from handlers.service.config import ServiceConfig
from handlers.service.hours import describe_hours, is_open, when_office_opens
from handlers.service.labels import role_title
from storage.models import Person, Role


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


def contacts_text(config: ServiceConfig, now: datetime) -> str:
    """The service's public numbers, email and hours; out of hours the ESWT comes first."""
    contacts = config.contacts
    office = [f"Office: {contacts.office_phone}"]
    if contacts.office_email:
        office.append(f"Email: {contacts.office_email}")
    office.append(f"Office hours: {describe_hours(config)}")
    emergency = (
        f"Emergency Social Work Team (out of hours, in an emergency): {contacts.out_of_hours_phone}"
    )
    danger = "If a child is in immediate danger, call 999."
    if is_open(config, now):
        lines = [*office, emergency, danger]
    else:
        closed = f"The office is closed now; it opens {when_office_opens(config, now)}."
        lines = [closed, emergency, danger, *office]
    return "\n".join([config.service_name, *lines])


def stranger_text(config: ServiceConfig, now: datetime) -> str:
    """All a person who is not linked gets: public contacts and how to get an invite."""
    return (
        "I can only help people who have been invited by the Family Time service.\n"
        f"{config.contacts.invite_help}\n\n{contacts_text(config, now)}"
    )


async def show_greeting(call: Call) -> str:
    """/start from someone already linked: the greeting and their menu."""
    menu = call.registry.main_menu(call.person.role)
    await call.reply.say(greeting(call.person, call.ctx.config.service_name), menu)
    return "start"


async def show_help(call: Call) -> str:
    """/help: the role's commands."""
    role = call.person.role
    await call.reply.say(call.registry.help_text(role), call.registry.main_menu(role))
    return "help"


async def show_contacts(call: Call) -> str:
    """/contacts: the service's public numbers, email and hours (the ESWT first when closed)."""
    await call.reply.say(contacts_text(call.ctx.config, call.ctx.now()))
    return "contacts"


async def cancel_conversation(call: Call) -> str:
    """/cancel: leave the current conversation; nothing is sent."""
    menu = call.registry.main_menu(call.person.role)
    if call.row is None:
        await call.reply.say("There's nothing to cancel.", menu)
        return "cancel_nothing"
    # Imported here: running a flow reads the registry, which lists this module's commands.
    from conversations.flow_runner import cancel_flow

    return await cancel_flow(call.uow, call.person, call.row, call.reply, call.ctx)


CONTACTS = Capability(
    "contacts",
    EVERYONE,
    Command(show_contacts),
    description="Phone numbers and opening hours",
    label="📞 Contacts",
    is_public=True,
)
CANCEL = Capability(
    "cancel",
    EVERYONE,
    Command(cancel_conversation, reminds_current=False),
    description="Stop what you are doing",
)
HELP = Capability("help", EVERYONE, Command(show_help), description="What I can do")
START = Capability(
    "start",
    EVERYONE,
    Command(show_greeting),
    description="Start, or link your account with an invite",
    is_public=True,
    is_listed=False,
)
