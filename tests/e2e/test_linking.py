"""Linking through the bot: role menus, refused invites, and deactivation cutting access at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from handlers.people.identity import deactivate_person, find_person
from storage.models import OutboxMessage
from tests.e2e.fixtures import CARER, COORDINATOR, STRANGER, WORKER
from tests.e2e.harness import Harness


async def test_linking_publishes_the_commands_of_the_persons_role(harness: Harness) -> None:
    h = harness
    await h.send(CARER, f"/start {await h.invite('C1')}")
    await h.send(WORKER, f"/start {await h.invite('W1')}")
    (carer_greeting,) = h.unread(CARER)
    assert "as a carer" in carer_greeting.text
    assert any("ill" in text for text, _ in carer_greeting.buttons)
    assert "Family Time Worker" in h.unread(WORKER)[0].text
    assert "illness" in [c for c, _ in h.emulator.commands(CARER)]
    assert "illness" not in [c for c, _ in h.emulator.commands(WORKER)]
    assert "report" in [c for c, _ in h.emulator.commands(WORKER)]
    assert "report" not in [c for c, _ in h.emulator.commands(CARER)]
    h.assert_no_unexpected_messages()


async def test_an_expired_invite_and_repeated_guesses_get_a_clear_refusal(
    harness: Harness,
) -> None:
    h = harness
    token = await h.invite("C1", valid_for=timedelta(hours=1))
    h.clock.advance(timedelta(hours=2))
    await h.send(CARER, f"/start {token}")
    assert "expired" in h.unread(CARER)[0].text
    for attempt in range(h.config.bad_invite_attempts):
        await h.send(STRANGER, f"/start wrong-{attempt}")
        assert "isn't valid" in h.unread(STRANGER)[0].text
    await h.send(STRANGER, "/start wrong-again")
    assert "wait an hour" in h.unread(STRANGER)[0].text
    h.assert_no_unexpected_messages()


async def test_a_deactivated_carer_is_cut_off_mid_conversation(harness: Harness) -> None:
    h = harness
    await h.send(CARER, f"/start {await h.invite('C1')}")
    await h.send(CARER, "/illness")
    h.unread(CARER)
    async with h.db.unit_of_work() as uow:
        person = await find_person(uow, "C1")
        assert person is not None
        await deactivate_person(uow, person, now=h.clock.now())

    await h.press(CARER, "A.B.")
    await h.send(CARER, "/illness")
    replies = [m.text for m in h.unread(CARER)]
    assert replies and all("invited" in text for text in replies)
    assert not any("contagious" in text.lower() for text in replies)
    h.assert_no_unexpected_messages()


async def test_a_linked_person_tapping_an_old_or_broken_link_gets_their_menu(
    harness: Harness,
) -> None:
    h = harness
    token = await h.invite("C1")
    await h.send(CARER, f"/start {token}")
    h.unread(CARER)
    for attempt in range(h.config.bad_invite_attempts + 1):
        await h.send(CARER, f"/start garbage-{attempt}")
        (menu,) = h.unread(CARER)
        assert "you're linked" in menu.text and "isn't valid" not in menu.text
        assert any("ill" in text for text, _ in menu.buttons)
    await h.send(CARER, f"/start {token}")  # the used link, tapped again
    (menu,) = h.unread(CARER)
    assert "you're linked" in menu.text
    h.assert_no_unexpected_messages()


async def test_moving_a_link_to_a_new_phone_tells_the_old_one_and_the_coordinator(
    harness: Harness,
) -> None:
    h = harness
    await h.link(COORDINATOR, "K1")
    await h.link(CARER, "C1")
    await h.link(STRANGER, "C1")  # a new invite, redeemed on a new phone
    (old,) = h.unread(CARER)
    assert "no longer linked" in old.text
    (notice,) = h.unread(COORDINATOR)
    assert "C1" in notice.text and "different Telegram account" in notice.text
    await h.send(CARER, "/illness")
    assert "invited" in h.unread(CARER)[0].text  # the old phone is a stranger now
    h.assert_no_unexpected_messages()


async def test_at_start_up_linked_people_get_the_command_list_of_this_release(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    assert "late" in [c for c, _ in h.emulator.commands(CARER)]
    await h.stop_bot()
    # As a chat linked by an earlier release would be: an older list, queued under another key.
    h.emulator.state.commands[f"chat:{CARER}"] = [("illness", "Tell us a child is ill")]
    async with h.db.unit_of_work() as uow:
        await uow.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.like(f"commands:chat:{CARER}:%"))
            .values(dedupe_key="update:1:commands")
        )
    sent = sum(1 for method, _ in h.emulator.calls if method.lower() == "setmycommands")

    await h.start_bot()
    await h.settle()

    carer_commands = [c for c, _ in h.emulator.commands(CARER)]
    assert carer_commands == [
        "handover",
        "illness",
        "late",
        "cantcome",
        "mysessions",
        "previsit",
        "contacts",
        "cancel",
        "help",
    ]
    calls = sum(1 for method, _ in h.emulator.calls if method.lower() == "setmycommands")
    assert calls == sent + 1  # the worker's list had not changed: not sent again
    h.assert_no_unexpected_messages()
