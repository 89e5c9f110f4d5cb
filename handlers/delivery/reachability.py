"""Who the bot can't reach: their reminders stop and the coordinators hear, until they're back.

Telegram says for good when a person has blocked the bot (or deleted their account). Sending on
would only fail again, and a carer who never hears their reminders may miss a session, so the
coordinators are told at once and can phone them. The person's next message to the bot shows
they have come back; reminders then start again by themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.coordinators import tell_coordinators
from handlers.service.audit import audit_subject, record_audit
from handlers.service.labels import full_person_label
from storage.models import Person, TelegramLink

PLAIN_REASONS = {
    "blocked": "they have blocked the bot",
    "chat not found": "their chat with the bot no longer exists",
    "deactivated": "their Telegram account has been deleted",
}


async def can_reach(uow: AsyncSession, person_id: int) -> bool:
    """False once Telegram has said for good that this person can't be sent to."""
    link = await uow.get(TelegramLink, person_id)
    return link is None or link.is_reachable


async def mark_unreachable(
    uow: AsyncSession, person_id: int, error: str, now: datetime
) -> None:
    """Record that Telegram refused this person for good; the first time, tell the coordinators."""
    link = await uow.get(TelegramLink, person_id)
    if link is None or not link.is_reachable:
        return
    link.is_reachable = False
    link.unreachable_reason = error[:200]
    record_audit(
        uow,
        "person.unreachable",
        at=now,
        subject=audit_subject("person", person_id),
        reason=error[:200],
    )
    person = await uow.get(Person, person_id)
    if person is None:
        return
    why = next((plain for key, plain in PLAIN_REASONS.items() if key in error.lower()), error)
    phone = f" on {person.phone}" if person.phone else ""
    text = (
        f"⚠️ The bot can't reach {full_person_label(person)}: {why}. "
        f"Nothing more will be sent to them, reminders included. Please phone them{phone}. "
        "This clears by itself when they next message the bot."
    )
    key = f"unreachable:{now:%Y%m%d%H%M%S}:about:{person.id}"
    await tell_coordinators(uow, text, key=key, now=now, leaving_out={person.id})


async def mark_heard_from(
    uow: AsyncSession, person: Person, link: TelegramLink, now: datetime
) -> None:
    """A message from a person shows the bot can reach them again."""
    if link.is_reachable:
        return
    link.is_reachable = True
    link.unreachable_reason = None
    record_audit(uow, "person.reachable", at=now, subject=audit_subject("person", person.id))
    text = (
        f"✅ {full_person_label(person)} messaged the bot again, "
        "so their reminders have started again."
    )
    key = f"reachable:{now:%Y%m%d%H%M%S}:about:{person.id}"
    await tell_coordinators(uow, text, key=key, now=now, leaving_out={person.id})

