"""Invites link one account to one person, once, before they expire; deactivation cuts access."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.delivery.chat import delivery_from_json
from handlers.people.identity import (
    Redeemed,
    create_invite,
    deactivate_person,
    find_linked_person,
    find_person,
    redeem_invite,
)
from handlers.people.importing import import_records
from handlers.service.config import ServiceConfig
from handlers.service.hashing import hash_token
from storage.database import Database
from storage.models import AuditEvent, Invite, OutboxMessage, Person
from tests.e2e.fixtures import CARER, MONDAY_MORNING, OTHER_CARER, PEOPLE, STRANGER

NOW = MONDAY_MORNING


async def _invite(db: Database, config: ServiceConfig, ref: str = "C1", hours: int = 72) -> str:
    async with db.unit_of_work() as uow:
        await import_records(uow, config, now=NOW, people=PEOPLE)
        person = await find_person(uow, ref)
        assert person is not None
        return await create_invite(uow, person, now=NOW, valid_for=timedelta(hours=hours))


async def _redeem(db: Database, token: str, user: int, at_hours: float = 0) -> Redeemed:
    async with db.unit_of_work() as uow:
        result = await redeem_invite(
            uow,
            hash_token(token),
            telegram_user_id=user,
            chat_id=user,
            now=NOW + timedelta(hours=at_hours),
            max_failures_per_hour=5,
        )
        return result.outcome


async def test_an_invite_is_stored_only_as_a_hash(
    database: Database, service_config: ServiceConfig
) -> None:
    token = await _invite(database, service_config)
    assert 20 < len(token) <= 64
    async with database.unit_of_work() as uow:
        stored = list(await uow.scalars(select(Invite.token_hash)))
    assert stored and token not in stored


async def test_an_invite_links_once_and_then_is_refused(
    database: Database, service_config: ServiceConfig
) -> None:
    token = await _invite(database, service_config)
    assert await _redeem(database, token, CARER) == Redeemed.LINKED
    assert await _redeem(database, token, STRANGER) == Redeemed.USED
    async with database.unit_of_work() as uow:
        linked = await find_linked_person(uow, CARER)
        assert linked is not None and linked.ref == "C1"
        assert await find_linked_person(uow, STRANGER) is None


async def test_an_expired_or_unknown_invite_is_refused(
    database: Database, service_config: ServiceConfig
) -> None:
    token = await _invite(database, service_config, hours=72)
    assert await _redeem(database, token, CARER, at_hours=72) == Redeemed.EXPIRED
    assert await _redeem(database, "not-a-real-token", CARER) == Redeemed.UNKNOWN


async def test_repeated_bad_invites_from_one_account_are_rate_limited(
    database: Database, service_config: ServiceConfig
) -> None:
    token = await _invite(database, service_config)
    for attempt in range(5):
        assert await _redeem(database, f"guess-{attempt}", STRANGER) == Redeemed.UNKNOWN
    # Even the right token is refused while the account is cooling off, then works an hour later.
    assert await _redeem(database, token, STRANGER, at_hours=0.5) == Redeemed.RATE_LIMITED
    assert await _redeem(database, token, STRANGER, at_hours=1.01) == Redeemed.LINKED
    async with database.unit_of_work() as uow:
        actions = list(await uow.scalars(select(AuditEvent.action)))
    assert actions.count("invite.refused") == 5 and "invite.rate_limited" in actions


async def test_a_new_invite_moves_the_person_to_a_new_phone(
    database: Database, service_config: ServiceConfig
) -> None:
    first = await _invite(database, service_config)
    assert await _redeem(database, first, CARER) == Redeemed.LINKED
    second = await _invite(database, service_config)
    assert await _redeem(database, second, STRANGER) == Redeemed.LINKED
    async with database.unit_of_work() as uow:
        assert await find_linked_person(uow, CARER) is None
        moved = await find_linked_person(uow, STRANGER)
        assert moved is not None and moved.ref == "C1"


async def test_deactivating_a_person_cuts_access_and_closes_their_invites(
    database: Database, service_config: ServiceConfig
) -> None:
    token = await _invite(database, service_config)
    assert await _redeem(database, token, CARER) == Redeemed.LINKED
    spare = await _invite(database, service_config)
    async with database.unit_of_work() as uow:
        person = await find_person(uow, "C1")
        assert person is not None
        await deactivate_person(uow, person, now=NOW)
    async with database.unit_of_work() as uow:
        assert await find_linked_person(uow, CARER) is None
        person = await uow.scalar(select(Person).where(Person.ref == "C1"))
        assert person is not None and not person.is_active
    assert await _redeem(database, spare, CARER) in (Redeemed.EXPIRED, Redeemed.DEACTIVATED)


async def test_linking_closes_the_persons_other_open_invites(
    database: Database, service_config: ServiceConfig
) -> None:
    first = await _invite(database, service_config)
    spare = await _invite(database, service_config)
    assert await _redeem(database, first, CARER) == Redeemed.LINKED
    # The spare link, found later by someone else, no longer moves the person's access.
    assert await _redeem(database, spare, STRANGER, at_hours=1) == Redeemed.EXPIRED
    async with database.unit_of_work() as uow:
        linked = await find_linked_person(uow, CARER)
        assert linked is not None and linked.ref == "C1"
        assert await find_linked_person(uow, STRANGER) is None


async def test_moving_a_link_tells_the_old_account_and_the_coordinators_and_is_audited(
    database: Database, service_config: ServiceConfig
) -> None:
    first = await _invite(database, service_config)
    assert await _redeem(database, first, CARER) == Redeemed.LINKED
    second = await _invite(database, service_config)
    assert await _redeem(database, second, STRANGER, at_hours=1) == Redeemed.LINKED
    async with database.unit_of_work() as uow:
        coordinator = await find_person(uow, "K1")
        assert coordinator is not None
        rows = list(await uow.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        moved = list(
            await uow.scalars(select(AuditEvent).where(AuditEvent.action == "link.moved"))
        )
    to_old = [r for r in rows if r.chat_id == CARER]
    assert len(to_old) == 1
    assert "no longer linked" in getattr(delivery_from_json(to_old[0].payload), "text", "")
    to_coordinator = [r for r in rows if r.person_id == coordinator.id]
    assert len(to_coordinator) == 1
    assert "C1" in getattr(delivery_from_json(to_coordinator[0].payload), "text", "")
    assert len(moved) == 1 and moved[0].actor_telegram_id == STRANGER
    assert not [r for r in rows if r.chat_id == STRANGER]  # the router greets; nothing else


async def test_a_linked_account_with_an_old_or_bad_link_keeps_its_link_and_cannot_probe(
    database: Database, service_config: ServiceConfig
) -> None:
    token = await _invite(database, service_config)
    assert await _redeem(database, token, CARER) == Redeemed.LINKED
    for attempt in range(8):  # more than the lockout allows
        assert await _redeem(database, f"garbage-{attempt}", CARER) == Redeemed.ALREADY_LINKED
    assert await _redeem(database, token, CARER) == Redeemed.ALREADY_LINKED
    async with database.unit_of_work() as uow:
        actions = list(await uow.scalars(select(AuditEvent.action)))
        linked = await find_linked_person(uow, CARER)
    assert "invite.refused" not in actions and "invite.rate_limited" not in actions
    assert linked is not None and linked.ref == "C1"
    # The made-up links counted as bad guesses: a live invite for somebody else now gets the
    # lockout, not a word on whether it is live.
    other = await _invite(database, service_config, ref="C2")
    assert await _redeem(database, other, CARER) == Redeemed.RATE_LIMITED
    assert await _redeem(database, other, OTHER_CARER) == Redeemed.LINKED
