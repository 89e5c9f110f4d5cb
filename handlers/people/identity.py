"""Invites, linking a Telegram account to a person, and cutting access."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.alerts import release_alerts_held_by
from handlers.people.relinking import tell_link_moved
from handlers.service.audit import audit_subject, record_audit
from handlers.service.hashing import hash_token
from storage.models import ConversationState, Invite, InviteFailure, Person, TelegramLink

BAD_TOKEN_WINDOW = timedelta(hours=1)


def invite_link(bot_username: str, token: str) -> str:
    """The deep link a person opens to start the bot with their invite."""
    return f"https://t.me/{bot_username}?start={token}"


async def find_person(uow: AsyncSession, ref: str) -> Person | None:
    """A person by the council's reference."""
    return await uow.scalar(select(Person).where(Person.ref == ref))


async def create_invite(
    uow: AsyncSession, person: Person, *, now: datetime, valid_for: timedelta
) -> str:
    """A fresh single-use token for one person; only its hash is kept."""
    if not person.is_active:
        raise ValueError(f"person {person.ref} is deactivated")
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: a valid deep-link payload
    uow.add(
        Invite(
            person_id=person.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    record_audit(uow, "invite.issued", at=now, subject=audit_subject("person", person.id))
    return token


class Redeemed(enum.StrEnum):
    """How an attempt to use an invite ended."""

    LINKED = "linked"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    RATE_LIMITED = "rate_limited"
    DEACTIVATED = "deactivated"
    ACCOUNT_TAKEN = "account_taken"
    ALREADY_LINKED = "already_linked"


@dataclass(frozen=True)
class Redemption:
    """The outcome, and the person when linked (or already linked)."""

    outcome: Redeemed
    person: Person | None = None


async def redeem_invite(
    uow: AsyncSession,
    token_hash: str,
    *,
    telegram_user_id: int,
    chat_id: int,
    now: datetime,
    max_failures_per_hour: int,
) -> Redemption:
    """Bind a Telegram account to the invite's person, once, before it expires.

    An account already linked keeps its link: an old or mistyped link just gets it its menu
    (ALREADY_LINKED), and a live invite for someone else is refused. A token that matches no
    invite at all still counts as a bad guess, so a linked account can't probe tokens either.
    """
    invite = await uow.scalar(select(Invite).where(Invite.token_hash == token_hash))
    outcome = _check_invite(invite, now)
    current = await find_linked_person(uow, telegram_user_id)
    if current is not None and (invite is None or outcome is not None):
        if invite is None:
            uow.add(InviteFailure(telegram_user_id=telegram_user_id, at=now))
        return Redemption(Redeemed.ALREADY_LINKED, current)
    failures = await uow.scalar(
        select(func.count(InviteFailure.id)).where(
            InviteFailure.telegram_user_id == telegram_user_id,
            InviteFailure.at > now - BAD_TOKEN_WINDOW,
        )
    )
    if (failures or 0) >= max_failures_per_hour:
        record_audit(uow, "invite.rate_limited", at=now, actor_telegram_id=telegram_user_id)
        return Redemption(Redeemed.RATE_LIMITED)
    person = await uow.get(Person, invite.person_id) if invite else None
    if outcome is None and (person is None or not person.is_active):
        outcome = Redeemed.DEACTIVATED
    if outcome is None:
        taken = await uow.scalar(
            select(TelegramLink).where(TelegramLink.telegram_user_id == telegram_user_id)
        )
        if taken is not None and person is not None and taken.person_id != person.id:
            outcome = Redeemed.ACCOUNT_TAKEN
    if outcome is not None or invite is None or person is None:
        uow.add(InviteFailure(telegram_user_id=telegram_user_id, at=now))
        record_audit(
            uow,
            "invite.refused",
            at=now,
            actor_telegram_id=telegram_user_id,
            reason=str(outcome),
        )
        return Redemption(outcome or Redeemed.UNKNOWN)
    await _link(
        uow, person, invite, telegram_user_id=telegram_user_id, chat_id=chat_id, now=now
    )
    return Redemption(Redeemed.LINKED, person)


async def _link(
    uow: AsyncSession,
    person: Person,
    invite: Invite,
    *,
    telegram_user_id: int,
    chat_id: int,
    now: datetime,
) -> None:
    """Use the invite, close the person's other open ones, and (re)bind their one account."""
    invite.used_at = now
    invite.used_by_telegram_id = telegram_user_id
    await uow.execute(
        update(Invite)
        .where(
            Invite.person_id == person.id,
            Invite.id != invite.id,
            Invite.used_at.is_(None),
            Invite.expires_at > now,
        )
        .values(expires_at=now)
    )
    old = await uow.get(TelegramLink, person.id)
    moved_from = (old.telegram_user_id, old.chat_id) if old is not None else None
    await uow.execute(delete(TelegramLink).where(TelegramLink.person_id == person.id))
    uow.add(
        TelegramLink(
            person_id=person.id,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            linked_at=now,
            is_reachable=True,
        )
    )
    record_audit(
        uow,
        "invite.redeemed",
        at=now,
        actor_person_id=person.id,
        actor_telegram_id=telegram_user_id,
        subject=audit_subject("person", person.id),
    )
    if moved_from is not None and moved_from[0] != telegram_user_id:
        await tell_link_moved(
            uow,
            person,
            old_telegram_id=moved_from[0],
            old_chat_id=moved_from[1],
            new_telegram_id=telegram_user_id,
            invite_id=invite.id,
            now=now,
        )


def _check_invite(invite: Invite | None, now: datetime) -> Redeemed | None:
    """Why an invite cannot be used, or None if it can."""
    if invite is None:
        return Redeemed.UNKNOWN
    if invite.used_at is not None:
        return Redeemed.USED
    if invite.expires_at <= now:
        return Redeemed.EXPIRED
    return None


# The active person a Telegram account is linked to, with the link (one row at most); built
# once, since every update asks it: run it with {"telegram_user_id": ...}.
LINKED_PERSON: Select[Person, TelegramLink] = (
    select(Person, TelegramLink)
    .join(TelegramLink, TelegramLink.person_id == Person.id)
    .where(
        TelegramLink.telegram_user_id == bindparam("telegram_user_id"),
        Person.is_active.is_(True),
    )
)


async def find_linked_person(uow: AsyncSession, telegram_user_id: int) -> Person | None:
    """The active person a Telegram account is linked to, if any (their link is loaded too)."""
    found = (await uow.execute(LINKED_PERSON, {"telegram_user_id": telegram_user_id})).first()
    return found[0] if found is not None else None


async def deactivate_person(uow: AsyncSession, person: Person, *, now: datetime) -> None:
    """Cut a person's access at once: unlink their account and drop any open conversation."""
    person.is_active = False
    person.deactivated_at = now
    await uow.execute(delete(TelegramLink).where(TelegramLink.person_id == person.id))
    await uow.execute(delete(ConversationState).where(ConversationState.person_id == person.id))
    await uow.execute(
        update(Invite)
        .where(Invite.person_id == person.id, Invite.used_at.is_(None))
        .values(expires_at=now)
    )
    record_audit(uow, "person.deactivated", at=now, subject=audit_subject("person", person.id))
    await release_alerts_held_by(uow, person, now=now)
