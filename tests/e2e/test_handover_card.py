"""The handover card both ways: All fine taps, Read tells the carer, a second card is an update,
and a mark on a child who can't get about alone goes to the safeguarding chain at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Alert, AuditEvent, HandoverCard
from tests.e2e.alert_steps import one_ping, setup
from tests.e2e.fixtures import (
    CARER,
    COORDINATOR,
    MANAGER,
    OTHER_WORKER,
    SENIOR,
    TEAM_MANAGER,
    WORKER,
)
from tests.e2e.harness import Harness

# A.B. (CH1) is a baby: not independently mobile.
CHILDREN_NOT_MOBILE = """ref,initials,social_worker_ref,carer_refs,not_independently_mobile
CH1,A.B.,SW1,C1,yes
CH2,D.E.,SW1,C1,
CH3,F.G.,SW1,C2,no
"""
READ_REFUSED = "That button doesn't match a handover card for a session of yours."


async def send_all_fine_card(h: Harness) -> None:
    """/handover and four taps: no marks, fed and changed as usual, well, no medicine; send."""
    await h.send(CARER, "/handover")  # one session in reach (S1, tomorrow): no choice to make
    (marks,) = h.unread(CARER)
    assert marks.text.startswith("📝 Handover card for Tue 24 Nov, 10:00 · A.B.")
    assert "marks or bruises on A.B. already" in marks.text and "⚠" not in marks.text
    await h.press(CARER, "All fine: no marks")
    (_, care) = h.unread(CARER)
    assert [label for label, _ in care.buttons][:2] == [
        "✅ All fine: fed and changed as usual",
        "Not needed (older child)",
    ]
    await h.press(CARER, "All fine: fed and changed")
    await h.press(CARER, "All fine: well")
    await h.press(CARER, "No medicine")
    summary = h.unread(CARER)[-1].text
    assert "Last feed and nappy: fed and changed as usual" in summary
    assert "Health and mood: well, nothing to report" in summary
    await h.press(CARER, "Send to the worker")


async def test_the_worker_reads_the_card_and_the_carer_is_told_who_and_when(
    harness: Harness,
) -> None:
    h = harness  # Monday 10:00; S1 is tomorrow at 10:00 with Wren
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await h.link(OTHER_WORKER, "W2")

    await send_all_fine_card(h)
    assert h.unread(CARER)[-1].text == (
        "Thank you, Wren will read this before the session (Tue 24 Nov, 10:00). "
        "I'll tell you when they have."
    )
    (card,) = h.unread(WORKER)
    assert card.text.startswith("📝 Handover card for session S1")
    assert "Marks or bruises: none" in card.text and "fed and changed as usual" in card.text
    assert card.protect_content and [label for label, _ in card.buttons] == ["👁 Read"]
    h.assert_no_unexpected_messages()  # not the other worker

    await h.advance(timedelta(minutes=7))
    await h.press(WORKER, "Read")
    (edit,) = h.unread(WORKER)
    assert edit.is_edit and not edit.buttons
    assert "✔ Read at 10:07: the carer has been told." in edit.text
    (told,) = h.unread(CARER)
    assert (
        told.text == "👁 Your handover card for Tue 24 Nov, 10:00 · A.B. was read by Wren at 10:07."
    )
    h.assert_no_unexpected_messages()


async def test_a_stale_or_forged_read_is_refused_in_one_sentence(harness: Harness) -> None:
    h = harness
    for user_id, ref in ((CARER, "C1"), (WORKER, "W1"), (OTHER_WORKER, "W2")):
        await h.link(user_id, ref)
    await send_all_fine_card(h)
    h.unread(CARER)
    (card,) = h.unread(WORKER)
    read = dict(card.buttons)["👁 Read"]
    await h.press(WORKER, "Read")
    h.unread(WORKER)
    h.unread(CARER)

    await h.press_data(WORKER, read)  # an old copy of the card
    assert [m.text for m in h.unread(WORKER)] == ["The carer already knows you've read this card."]
    await h.press_data(OTHER_WORKER, read)  # not their session
    assert [m.text for m in h.unread(OTHER_WORKER)] == [READ_REFUSED]
    await h.press_data(WORKER, "hr:999999")
    await h.press_data(WORKER, "hr:1x")
    assert [m.text for m in h.unread(WORKER)] == [READ_REFUSED, READ_REFUSED]
    await h.press_data(CARER, read)  # the carer is never the reader
    assert [m.text for m in h.unread(CARER)] == [
        "That isn't available for your role. Send /help to see what I can do."
    ]
    async with h.db.unit_of_work() as uow:
        actions = list(
            await uow.scalars(select(AuditEvent.action).where(AuditEvent.action == "handover.read"))
        )
    assert actions == ["handover.read"]
    h.assert_no_unexpected_messages()  # the carer heard "read by Wren" once


async def test_a_second_card_for_the_session_is_warned_of_and_sent_as_an_update(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await send_all_fine_card(h)
    h.unread(CARER)
    h.unread(WORKER)
    old_buttons = [
        data for m in h.emulator.messages(CARER) for _, data in m.buttons if data.startswith("f:")
    ]

    await h.advance(timedelta(minutes=20))
    await h.send(CARER, "/handover")
    (marks,) = h.unread(CARER)
    assert "⚠ A handover card for this session was already sent at 10:00." in marks.text
    assert "goes to the worker as an update" in marks.text
    await h.send(CARER, "small bruise on the left knee, fell at nursery")
    h.unread(CARER)
    await h.send_media(CARER, "photo")  # a photo of the nappy bag, say: nothing is lost
    retired, problem = h.unread(CARER)
    assert retired.is_edit and not retired.buttons  # asked again below: no second live copy
    assert problem.text.startswith(
        "I can't pass on photos, so nobody will see it. Please type a few words about it instead."
    )
    assert "last bottle or meal" in problem.text
    await h.send(CARER, "x" * 301)
    retired, too_long = h.unread(CARER)
    assert retired.is_edit and not retired.buttons
    assert too_long.text.startswith(
        "That's 301 characters; please send a shorter version (up to 300)."
    )
    await h.press(CARER, "All fine: fed and changed")
    await h.press(CARER, "All fine: well")
    await h.press(CARER, "No medicine")
    summary = h.unread(CARER)[-1].text
    assert "Marks or bruises: small bruise on the left knee, fell at nursery" in summary
    assert "⚠ This updates the card already sent at 10:00." in summary
    await h.press_data(CARER, old_buttons[0])  # a button of the first card's questions
    stale, *asked_again = h.unread(CARER)
    assert stale.text == "That button is from an earlier message; please use the one below."
    assert "Please check and send" in asked_again[-1].text
    await h.press(CARER, "Send to the worker")
    reply = h.unread(CARER)[-1].text
    assert (
        "It adds to the card sent at 10:00, and where an answer differs this one replaces it."
        in reply
    )
    assert reply.startswith("Thank you, Wren will read this before the session")

    (update,) = h.unread(WORKER)
    assert update.text.startswith("📝 Updated handover card for session S1")
    assert (
        "It adds to the card sent at 10:00; where an answer differs, this one replaces it."
        in update.text
    )
    assert "Marks or bruises: small bruise on the left knee" in update.text
    assert [label for label, _ in update.buttons] == ["👁 Read"]
    async with h.db.unit_of_work() as uow:
        first, second = list(await uow.scalars(select(HandoverCard).order_by(HandoverCard.id)))
        assert second.updates_id == first.id
        assert await uow.scalar(select(Alert.id)) is None  # A.B. gets about on their own
    h.assert_no_unexpected_messages()


async def test_a_mark_on_a_child_not_independently_mobile_goes_to_the_on_site_managers_at_once(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)  # Sid (senior) and Mia (manager) on site at Coffee Hall; staff linked
    await h.import_records(children=CHILDREN_NOT_MOBILE)
    await h.link(CARER, "C1")

    await h.send(CARER, "/handover")
    h.unread(CARER)
    await h.send(CARER, "small bruise on the left cheek, bumped the cot")
    await h.press(CARER, "All fine: fed and changed")
    await h.press(CARER, "All fine: well")
    await h.press(CARER, "No medicine")
    await h.press(CARER, "Send to the worker")
    reply = h.unread(CARER)[-1].text
    assert reply.startswith("Thank you, Wren will read this before the session")
    assert reply.endswith(
        "Because a mark or bruise on a child who can't get about on their own must always be "
        "looked at, I've passed what you said to the safeguarding lead."
    )
    (card,) = h.unread(WORKER)
    assert "Marks or bruises: small bruise on the left cheek" in card.text

    for user_id in (SENIOR, MANAGER):
        ping = one_ping(h, user_id)
        assert "URGENT CONCERN" in ping.text and "Coffee Hall, Room 2 · session S1" in ping.text
        assert "Raised by Casey (carer, handover card) at 10:00" in ping.text
        assert "bruise" not in ping.text and "A.B." not in ping.text  # details on demand
        assert ping.protect_content
    h.assert_no_unexpected_messages()  # not the team manager or coordinator yet

    await h.press(SENIOR, "Details")
    details = one_ping(h, SENIOR)
    assert "A.B. (CH1)" in details.text and "not independently mobile" in details.text
    assert "The carer says: small bruise on the left cheek, bumped the cot" in details.text
    assert "Note from the carer: Handover card:" in details.text  # not "from the worker"

    await h.advance(timedelta(minutes=5, seconds=1))  # nobody acknowledged: it climbs
    for user_id in (MANAGER, TEAM_MANAGER, COORDINATOR):
        assert "Escalated" in one_ping(h, user_id).text
    h.assert_no_unexpected_messages()  # the carer isn't sent how staff handle it


async def test_a_typed_no_for_marks_on_a_baby_raises_no_alert(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.import_records(children=CHILDREN_NOT_MOBILE)
    await h.link(CARER, "C1")

    await h.send(CARER, "/handover")
    h.unread(CARER)
    await h.send(CARER, "No.")  # typed rather than tapped: there are none
    await h.press(CARER, "All fine: fed and changed")
    await h.press(CARER, "All fine: well")
    await h.press(CARER, "No medicine")
    await h.press(CARER, "Send to the worker")
    reply = h.unread(CARER)[-1].text
    assert reply.startswith("Thank you, Wren will read this before the session")
    assert "safeguarding" not in reply
    (card,) = h.unread(WORKER)
    assert "Marks or bruises: No." in card.text
    h.assert_no_unexpected_messages()  # nobody on the alert chain is pinged
    async with h.db.unit_of_work() as uow:
        assert await uow.scalar(select(Alert.id)) is None


TODAY_HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
T1_WITH_WREN = TODAY_HEADER + "T1,coffee-hall,Room 3,2026-11-23,11:00,12:00,W1,CH1,full\n"
T1_WITH_WILL = TODAY_HEADER + "T1,coffee-hall,Room 3,2026-11-23,11:00,12:00,W2,CH1,full\n"


async def test_a_card_already_sent_follows_the_session_to_its_new_worker_and_not_the_old(
    harness: Harness,
) -> None:
    h = harness  # Monday 10:00; T1 today at 11:00 with Wren
    for user_id, ref in ((CARER, "C1"), (WORKER, "W1"), (OTHER_WORKER, "W2")):
        await h.link(user_id, ref)
    await h.import_records(sessions=T1_WITH_WREN)
    await h.advance(timedelta(seconds=1))
    h.unread(CARER), h.unread(WORKER)  # T1's reminder and briefing, as ever
    await h.send(CARER, "/handover")
    await h.press(CARER, "Mon 23 Nov, 11:00")
    await h.press(CARER, "All fine: no marks")
    await h.press(CARER, "All fine: fed and changed")
    await h.press(CARER, "All fine: well")
    await h.press(CARER, "No medicine")
    await h.press(CARER, "Send to the worker")
    h.unread(CARER)
    (card,) = h.unread(WORKER)
    read = dict(card.buttons)["👁 Read"]

    await h.import_records(sessions=T1_WITH_WILL)  # the service gives T1 to Will
    await h.advance(timedelta(seconds=1))
    (moved,) = h.unread(CARER)
    assert "Worker: Wren → Will" in moved.text
    (no_longer,) = h.unread(WORKER)
    assert "is no longer yours" in no_longer.text
    handed, passed_on, briefing = h.unread(OTHER_WORKER)
    assert handed.text.startswith("🗓 You now have session T1")
    assert passed_on.text == card.text and passed_on.protect_content  # the card, to read
    assert [label for label, _ in passed_on.buttons] == ["👁 Read"]
    assert "📝 Handover card in at 10:00:\n  Marks or bruises: none" in briefing.text

    await h.press_data(WORKER, read)  # Wren's copy: no longer hers to read
    assert [m.text for m in h.unread(WORKER)] == [READ_REFUSED]
    await h.send(OTHER_WORKER, "/today")
    (today,) = h.unread(OTHER_WORKER)
    assert "session T1" in today.text and "📝 Handover card in (10:00)" in today.text
    h.assert_no_unexpected_messages()  # the carer heard nothing of Wren's tap

    await h.press(OTHER_WORKER, "Read")  # Will's copy: his to read now
    (read_by_will,) = h.unread(CARER)
    assert read_by_will.text == (
        "👁 Your handover card for Mon 23 Nov, 11:00 · A.B. was read by Will at 10:00."
    )
    h.unread(OTHER_WORKER)  # his copy, marked read
    h.assert_no_unexpected_messages()
