"""A person's Telegram link moved to another account: the old account and the coordinators hear.

A new invite is how a person moves to a new phone; it is also what someone would use to take
over a person's access. Either way the old account is told at once (it may be the person, who
did not ask for this), and so are the coordinators, who can check and deactivate if it is wrong.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.delivery.chat import SendMessage
from handlers.delivery.coordinators import tell_coordinators
from handlers.delivery.outbox import queue_delivery
from handlers.service.audit import audit_subject, record_audit
from handlers.service.labels import role_label
from storage.models import Person, Priority

OLD_ACCOUNT_NOTICE = (
    "This Telegram account is no longer linked to Family Time: your link was moved to another "
    "account with a new invite. If you didn't do this, please phone the Family Time team now."
)


async def tell_link_moved(
    uow: AsyncSession,
    person: Person,
    *,
    old_telegram_id: int,
    old_chat_id: int,
    new_telegram_id: int,
    invite_id: int,
    now: datetime,
) -> None:
    """Audit the move and tell the account that lost the link and every coordinator."""
    record_audit(
        uow,
        "link.moved",
        at=now,
        actor_person_id=person.id,
        actor_telegram_id=new_telegram_id,
        subject=audit_subject("person", person.id),
        from_telegram_id=old_telegram_id,
        invite_id=invite_id,
    )
    event = f"link:{person.id}:moved:invite:{invite_id}"
    await queue_delivery(
        uow,
        SendMessage(OLD_ACCOUNT_NOTICE),
        now=now,
        chat_id=old_chat_id,
        priority=Priority.REPLY,
        dedupe_key=f"{event}:old_account",
    )
    text = (
        f"🔁 {person.first_name} {person.last_name} ({person.ref}, {role_label(person.role)}) "
        f"linked a different Telegram account with a new invite; the old account has been told and "
        f"no longer has access. If this wasn't expected, deactivate {person.ref} and phone them."
    )
    await tell_coordinators(uow, text, key=event, now=now, leaving_out={person.id})
