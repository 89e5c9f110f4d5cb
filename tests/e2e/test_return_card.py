"""The worker's return card after a session: the carers hear how it went; an incident or injury
also goes to the child's social worker. A session with children of two homes gets a card for
each home, and neither home reads the other's."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ReturnCard, Session
from tests.e2e.fixtures import CARER, OTHER_CARER, OTHER_WORKER, WORKER
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7020
HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
# Monday 23 November 2026, ended before 10:00: Wren's R1 (A.B. with Casey, F.G. with Carmen),
# and Will's R2.
ENDED_TODAY = (
    HEADER
    + "R1,coffee-hall,Room 2,2026-11-23,08:00,09:30,W1,CH1;CH3,full\n"
    + "R2,greenleys,Garden room,2026-11-23,08:00,09:00,W2,CH2,supported\n"
)


async def book_ended_sessions(h: Harness, *linked: tuple[int, str]) -> None:
    for user_id, ref in linked:
        await h.link(user_id, ref)
    await h.import_records(sessions=ENDED_TODAY)


async def answer_up_to_incident(h: Harness, home: str = "A.B.") -> None:
    """/returncard, one home of R1 (Wren's only recent session, its children in two homes), and
    the usual answers."""
    await h.send(WORKER, "/returncard")
    (which,) = h.unread(WORKER)
    assert which.text.startswith("Which session is this return card for? Children of one session")
    assert [label for label, _ in which.buttons[:2]] == [
        "R1 Mon 23 Nov, 08:00 · A.B.",
        "R1 Mon 23 Nov, 08:00 · F.G.",
    ]
    await h.press(WORKER, f"· {home}")
    first = h.unread(WORKER)[-1]
    assert first.text.startswith(f"📝 Return card for R1 Mon 23 Nov, 08:00 · {home}")
    assert "Who came to the session?" in first.text
    await h.press(WORKER, "Everyone expected")
    await h.send(WORKER, "bottle at 8:30, half a banana")
    await h.press(WORKER, "Nothing to report")  # changes
    await h.press(WORKER, "Nothing to report")  # sleep
    await h.send(WORKER, "happy, a little tired at the end")
    h.unread(WORKER)


async def test_each_home_gets_only_its_own_childs_return_card_and_no_social_worker(
    harness: Harness,
) -> None:
    h = harness
    await book_ended_sessions(
        h, (CARER, "C1"), (OTHER_CARER, "C2"), (WORKER, "W1"), (SOCIAL_WORKER, "SW1")
    )
    await answer_up_to_incident(h)
    await h.press(WORKER, "No incident")
    summary = h.unread(WORKER)[-1].text
    assert "Session: R1 Mon 23 Nov, 08:00 · A.B.\n" in summary
    assert "Who came: everyone expected came" in summary and "Sleep: nothing to report" in summary
    await h.press(WORKER, "Send to the carer")
    assert h.unread(WORKER)[-1].text == (
        "📝 Return card sent to Casey (carer). Send /returncard again for the other home's "
        "card (F.G.)."
    )

    (card,) = h.unread(CARER)
    assert card.text.splitlines() == [
        "📝 Return card from Wren (worker) after the session on Mon 23 Nov, 08:00 · A.B.",
        "Who came: everyone expected came",
        "Ate or drank: bottle at 8:30, half a banana",
        "Changes: nothing to report",
        "Sleep: nothing to report",
        "Mood: happy, a little tired at the end",
        "Incident or injury: none",
    ]
    h.assert_no_unexpected_messages()  # Carmen (F.G.'s home) sees nothing of A.B.'s card

    await answer_up_to_incident(h, home="F.G.")  # then the other home's own card
    await h.send(WORKER, "no")
    await h.press(WORKER, "Send to the carer")
    assert h.unread(WORKER)[-1].text.startswith("📝 Return card sent to Carmen (carer).")
    (theirs,) = h.unread(OTHER_CARER)
    assert theirs.text.startswith("📝 Return card from Wren (worker) after the session on")
    assert "· F.G." in theirs.text and "A.B." not in theirs.text
    assert "half a banana" in theirs.text  # this card's own answers
    h.assert_no_unexpected_messages()  # not Casey again, not the social worker


async def test_an_injury_on_the_return_card_also_goes_to_the_social_worker_protected(
    harness: Harness,
) -> None:
    h = harness
    await book_ended_sessions(
        h, (CARER, "C1"), (OTHER_CARER, "C2"), (WORKER, "W1"), (SOCIAL_WORKER, "SW1")
    )
    await answer_up_to_incident(h)
    await h.send(WORKER, "bumped head on the table at 08:40, cold compress, no mark")
    await h.press(WORKER, "Send to the carer")
    assert h.unread(WORKER)[-1].text.startswith(
        "📝 Return card sent to Casey (carer). The incident or injury also went to "
        "Sam (social worker). Send /returncard again for the other home's card (F.G.)."
    )
    (card,) = h.unread(CARER)
    assert "Incident or injury: bumped head on the table at 08:40" in card.text
    (to_social_worker,) = h.unread(SOCIAL_WORKER)
    assert to_social_worker.text.startswith(
        "⚠ An incident or injury is on this return card (session R1)."
    )
    assert "· A.B. (CH1)\n" in to_social_worker.text and "F.G." not in to_social_worker.text
    assert "bumped head on the table" in to_social_worker.text
    assert to_social_worker.protect_content
    async with h.db.unit_of_work() as uow:
        (saved,) = list(await uow.scalars(select(ReturnCard)))
        assert saved.incident and saved.incident.startswith("bumped head")
    h.assert_no_unexpected_messages()  # Carmen, of the other home, sees nothing of the injury


async def test_bad_input_on_the_return_card_gets_one_sentence_and_loses_nothing(
    harness: Harness,
) -> None:
    h = harness
    await h.link(WORKER, "W1")
    await h.send(WORKER, "/returncard")  # before any session has run
    assert [m.text for m in h.unread(WORKER)] == [
        "You have no session under way or ended in the last few days to send a return card for."
    ]
    await book_ended_sessions(h, (CARER, "C1"), (OTHER_WORKER, "W2"))
    async with h.db.unit_of_work() as uow:
        not_theirs = await uow.scalar(select(Session.id).where(Session.ref == "R2"))
    await h.press_data(WORKER, f"m:returncard:{not_theirs}")  # Will's session
    (refused,) = h.unread(WORKER)
    assert refused.text.startswith("That isn't one of your sessions from today or the last few")
    await h.send(CARER, "/returncard")  # a carer can't send one
    assert "isn't available for your role" in h.unread(CARER)[-1].text

    await h.send(WORKER, "/returncard")
    h.unread(WORKER)
    await h.press(WORKER, "· A.B.")
    h.unread(WORKER)
    await h.press(WORKER, "Everyone expected")
    (_, food) = h.unread(WORKER)
    old_buttons = [data for _, data in food.buttons]
    await h.send_media(WORKER, "photo")
    retired, problem = h.unread(WORKER)
    assert retired.is_edit and not retired.buttons  # asked again below: no second live copy
    assert problem.text.startswith(
        "I can't pass on photos, so nobody will see it. Please type a few words about it instead."
    )
    await h.send(WORKER, "y" * 301)
    retired, too_long = h.unread(WORKER)
    assert retired.is_edit and not retired.buttons
    assert too_long.text.startswith("That's 301 characters; please send a shorter version")
    await h.send(WORKER, "a yoghurt")
    h.unread(WORKER)
    await h.press_data(WORKER, old_buttons[0])  # the food question's button, already answered
    stale, *asked_again = h.unread(WORKER)
    assert stale.text == "That button is from an earlier message; please use the one below."
    assert "Any nappy changes or toilet trips?" in asked_again[-1].text
    await h.press(WORKER, "Nothing to report")  # changes
    await h.press(WORKER, "Nothing to report")  # sleep
    await h.press(WORKER, "Nothing to report")  # mood
    await h.press(WORKER, "No incident")
    summary = h.unread(WORKER)[-1].text
    assert "Ate or drank: a yoghurt" in summary  # the typed answer kept through it all
    await h.press(WORKER, "Send to the carer")
    assert h.unread(WORKER)[-1].text.startswith("📝 Return card sent to Casey (carer).")
    assert "Ate or drank: a yoghurt" in h.unread(CARER)[-1].text
    h.assert_no_unexpected_messages()  # Will heard nothing of it


async def test_a_typed_none_for_incident_is_no_incident_and_the_social_worker_is_not_sent_it(
    harness: Harness,
) -> None:
    h = harness
    await book_ended_sessions(
        h, (CARER, "C1"), (OTHER_CARER, "C2"), (WORKER, "W1"), (SOCIAL_WORKER, "SW1")
    )
    await answer_up_to_incident(h)
    await h.send(WORKER, "None.")  # typed rather than tapped
    assert "Incident or injury: None." in h.unread(WORKER)[-1].text
    await h.press(WORKER, "Send to the carer")
    assert h.unread(WORKER)[-1].text.startswith("📝 Return card sent to Casey (carer).")
    (card,) = h.unread(CARER)
    assert card.text.endswith("Incident or injury: none")
    h.assert_no_unexpected_messages()  # no "incident or injury" card to the social worker
