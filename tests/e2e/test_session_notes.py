"""The worker's notes during a session (by kind, with a nudge on opinion words, amended only by a
new note) and ending it (on time, or early; for risk of harm, the alert is one tap away)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.emulator.state import EmulatedMessage
from storage.models import Alert, Session, SessionNote
from tests.e2e.alert_steps import one_ping, setup
from tests.e2e.fixtures import CARER, MANAGER, OTHER_WORKER, SENIOR, WORKER
from tests.e2e.harness import Harness

# At 10:00 on Monday, Wren's S0 (09:30-11:00, F.G.) is running; N2 (A.B.) starts at 10:20.
HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
STARTING_SOON = "N2,coffee-hall,Room 4,2026-11-23,10:20,11:20,W1,CH1,full\n"
KIND_PROMPT = (
    "🖊 Note for S0 09:30 · F.G. (CH3)\nWhat kind of note? Tap one, or type the note and I'll ask."
)


def reply(h: Harness, user_id: int) -> EmulatedMessage:
    """The one new message in the chat, after the edits that took the last question's buttons."""
    *edits, last = h.unread(user_id)
    assert all(m.is_edit for m in edits), [m.text for m in edits] + [last.text]
    assert not last.is_edit
    return last


async def notes(h: Harness) -> list[SessionNote]:
    async with h.db.unit_of_work() as uow:
        return list(await uow.scalars(select(SessionNote).order_by(SessionNote.id)))


async def session_row(h: Harness, ref: str) -> Session:
    async with h.db.unit_of_work() as uow:
        found = await uow.scalar(select(Session).where(Session.ref == ref))
        assert found is not None
        return found


async def write(h: Harness, kind: str, *answers: str) -> EmulatedMessage:
    """A note of one kind from the kind question: tap the kind, then type each answer."""
    await h.press(WORKER, kind)
    reply(h, WORKER)
    for answer in answers:
        await h.send(WORKER, answer)
    return reply(h, WORKER)


async def test_notes_of_each_kind_are_kept_as_written_with_their_kind_author_and_time(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/note")  # S0 is Wren's only session now: chosen already
    prompt = reply(h, WORKER)
    assert prompt.text == KIND_PROMPT
    assert [label for label, _ in prompt.buttons][:4] == [
        "👁 Observed",
        "💬 Said",
        "🗣 Reported",
        "🧠 My view",
    ]
    await h.press(WORKER, "Observed")
    assert reply(h, WORKER).text.startswith("What did you see and hear?")
    await h.send(WORKER, "F.G. ran to mum and hugged her")
    noted = reply(h, WORKER)
    assert noted.text == "🖊 Noted at 10:00 (observed), session S0 09:30 · F.G. (CH3)."
    assert [label for label, _ in noted.buttons][:3] == [
        "🖊 Another note",
        "✏ Amend this note",
        "🏁 End session",
    ]

    await h.press(WORKER, "Another note")
    assert reply(h, WORKER).text == KIND_PROMPT
    said = await write(h, "Said", "I missed you so much")
    assert said.text.startswith("🖊 Noted at 10:00 (words as said)")
    await h.press(WORKER, "Another note")
    reply(h, WORKER)
    await h.press(WORKER, "Reported")
    assert reply(h, WORKER).text.startswith("Who said it?")
    await h.send(WORKER, "the child")
    assert reply(h, WORKER).text.startswith("What did they say?")
    await h.send(WORKER, "mum bought her new shoes")
    assert reply(h, WORKER).text.startswith("🖊 Noted at 10:00 (reported)")
    await h.press(WORKER, "Another note")
    reply(h, WORKER)
    view = await write(h, "My view", "Mum seemed relaxed; the session went well")  # no nudge
    assert view.text.startswith("🖊 Noted at 10:00 (my professional view)")

    await h.press(WORKER, "Another note")  # typed before a kind: the kind is asked, text kept
    reply(h, WORKER)
    await h.send(WORKER, "Dad arrived at 10:05 and sat with F.G.")
    asked = reply(h, WORKER)
    assert asked.text.startswith("What kind of note is this? (your words are kept)")
    await h.press(WORKER, "Observed")
    assert reply(h, WORKER).text.startswith("🖊 Noted at 10:00 (observed)")

    s0 = await session_row(h, "S0")
    kept = await notes(h)
    assert [(n.kind, n.text, n.source) for n in kept] == [
        ("observed", "F.G. ran to mum and hugged her", None),
        ("said", "I missed you so much", None),
        ("reported", "mum bought her new shoes", "the child"),
        ("view", "Mum seemed relaxed; the session went well", None),
        ("observed", "Dad arrived at 10:05 and sat with F.G.", None),
    ]
    assert {(n.session_id, n.amends_id) for n in kept} == {(s0.id, None)}
    assert len({n.author_id for n in kept}) == 1
    assert all(n.written_at == h.clock.now() for n in kept)
    h.assert_no_unexpected_messages()  # nobody else hears of a note


async def test_an_opinion_word_in_an_observed_note_gets_a_nudge_the_worker_may_ignore(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/note")
    reply(h, WORKER)
    await h.press(WORKER, "Observed")
    reply(h, WORKER)
    await h.send(WORKER, "Mum appeared angry when F.G. cried")
    nudge = reply(h, WORKER)
    assert nudge.text == (
        "“appeared”, “angry” reads as an opinion: what did you see or hear that shows it?"
    )
    assert [label for label, _ in nudge.buttons][:2] == ["Keep as written", "Rewrite"]
    await h.press(WORKER, "Rewrite")
    assert reply(h, WORKER).text.startswith("Type the note again, saying what you saw and heard.")
    await h.send(WORKER, "Mum raised her voice and said 'stop it' when F.G. cried")
    assert reply(h, WORKER).text.startswith("🖊 Noted at 10:00 (observed)")

    await h.press(WORKER, "Another note")
    reply(h, WORKER)
    await h.press(WORKER, "Observed")
    reply(h, WORKER)
    await h.send(WORKER, "F.G. seemed tired")
    assert reply(h, WORKER).text.startswith("“seemed” reads as an opinion")
    await h.press(WORKER, "Keep as written")
    assert reply(h, WORKER).text.startswith("🖊 Noted at 10:00 (observed)")
    assert [n.text for n in await notes(h)] == [
        "Mum raised her voice and said 'stop it' when F.G. cried",
        "F.G. seemed tired",
    ]
    h.assert_no_unexpected_messages()


async def test_an_amendment_is_a_new_note_and_the_original_stays(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/note")
    reply(h, WORKER)
    await write(h, "Said", "I want to go home")
    await h.press(WORKER, "Amend this note")
    asked = reply(h, WORKER)
    assert asked.text.startswith(
        "✏ Amending your note of 10:00 (words as said): “I want to go home”\n"
        "The original stays on the record."
    )
    await h.send(WORKER, "I want to go on the swing")
    assert reply(h, WORKER).text.startswith("Why are you amending it?")
    await h.send(WORKER, "misheard")
    assert reply(h, WORKER).text == (
        "✏ Amendment kept at 10:00; the original note of 10:00 stays on the record."
    )
    original, amendment = await notes(h)
    assert (original.text, original.amends_id) == ("I want to go home", None)
    assert (amendment.text, amendment.kind) == ("I want to go on the swing", "said")
    assert (amendment.amends_id, amendment.amend_reason) == (original.id, "misheard")
    assert amendment.author_id == original.author_id
    h.assert_no_unexpected_messages()


async def test_media_in_a_note_is_refused_in_one_sentence_and_nothing_is_lost(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/note")
    reply(h, WORKER)
    await h.send_media(WORKER, "photo")  # at the kind question
    problem = reply(h, WORKER)
    assert problem.text.startswith(
        "Session notes keep typed words only, so nothing from photos is kept: please type "
        "what you saw and heard instead."
    )
    await h.press(WORKER, "Observed")
    reply(h, WORKER)
    await h.send_media(WORKER, "voice", caption="listen to this")
    problem = reply(h, WORKER)
    assert problem.text.startswith("Session notes keep typed words only, so nothing from voice")
    assert "What did you see and hear?" in problem.text  # still on the same question
    await h.send(WORKER, "F.G. sang a song with dad")
    assert reply(h, WORKER).text.startswith("🖊 Noted at 10:00 (observed)")
    assert [(n.kind, n.text) for n in await notes(h)] == [("observed", "F.G. sang a song with dad")]
    h.assert_no_unexpected_messages()


async def test_notes_and_ending_for_another_workers_session_are_refused(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.link(OTHER_WORKER, "W2")
    await h.link(CARER, "C1")
    await h.send(WORKER, "/note")
    reply(h, WORKER)
    await write(h, "Observed", "F.G. built a tower")
    (note,) = await notes(h)
    s0 = await session_row(h, "S0")

    await h.send(OTHER_WORKER, "/note")  # Will has no session now
    assert reply(h, OTHER_WORKER).text.startswith(
        "You have no session running now (or starting soon) to write a note for."
    )
    for data, refusal in (
        (f"m:note:{s0.id}", "That isn't one of your sessions running now, so I can't add"),
        (f"m:amendnote:{note.id}", "That isn't a note on one of your sessions now"),
        (f"m:endsession:{s0.id}", "That isn't one of your sessions running now, or it has been"),
    ):
        await h.press_data(OTHER_WORKER, data)
        assert reply(h, OTHER_WORKER).text.startswith(refusal)
    await h.send(CARER, "/note")
    assert "isn't available for your role" in reply(h, CARER).text

    assert len(await notes(h)) == 1
    assert (await session_row(h, "S0")).ended_at is None
    h.assert_no_unexpected_messages()


async def test_ending_on_time_or_early_is_kept_and_new_notes_are_then_refused(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.import_records(sessions=HEADER + STARTING_SOON)
    await h.advance(timedelta(seconds=1))  # N2's briefing, due since 09:50, goes out
    (briefing,) = h.unread(WORKER)
    assert briefing.text.startswith("🗓 Wren: session N2 at Mon 23 Nov, 10:20")
    await h.send(WORKER, "/note")  # two sessions now: Wren picks one
    assert reply(h, WORKER).text.startswith("Which session is this note for?")
    await h.press(WORKER, "S0 09:30")
    reply(h, WORKER)
    await write(h, "Observed", "F.G. fed the fish")

    await h.press(WORKER, "End session")  # on the note's confirmation: S0 chosen already
    assert reply(h, WORKER).text.startswith("🏁 Ending session S0 09:30–11:00. How did it end?")
    await h.press(WORKER, "On time")
    assert reply(h, WORKER).text == "🏁 Session S0 ended on time at 10:00."
    s0 = await session_row(h, "S0")
    assert (s0.ended_at, s0.end_kind, s0.end_reason) == (h.clock.now(), "on_time", None)

    await h.press_data(WORKER, f"m:note:{s0.id}")  # a new note after the end
    assert reply(h, WORKER).text == (
        "Session S0 was ended at 10:00, so new notes can't be added to it; tap ✏ Amend under "
        "one of its notes to correct or add to it."
    )
    await h.press(WORKER, "Amend this note")  # an amendment still goes in
    reply(h, WORKER)
    await h.send(WORKER, "F.G. fed the fish with dad")
    reply(h, WORKER)
    await h.send(WORKER, "left out who was with her")
    assert reply(h, WORKER).text.startswith("✏ Amendment kept at 10:00")

    await h.send(WORKER, "/endsession")  # only N2 is left to end: chosen already
    assert reply(h, WORKER).text.startswith("🏁 Ending session N2 10:20–11:20. How did it end?")
    await h.press(WORKER, "Early")
    assert reply(h, WORKER).text.startswith("Why did it end early?")
    await h.press(WORKER, "Other")
    assert reply(h, WORKER).text.startswith("In a few words, why?")
    await h.send(WORKER, "fire alarm, building cleared")
    assert reply(h, WORKER).text == (
        "🏁 Session N2 ended early at 10:00: fire alarm, building cleared."
    )
    n2 = await session_row(h, "N2")
    assert (n2.end_kind, n2.end_reason) == ("early", "other")
    assert n2.end_note == "fire alarm, building cleared"
    assert [n.text for n in await notes(h)] == ["F.G. fed the fish", "F.G. fed the fish with dad"]
    h.assert_no_unexpected_messages()


async def test_ending_early_for_risk_of_harm_offers_the_alert_for_that_session(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/endsession")
    reply(h, WORKER)
    await h.press(WORKER, "Early")
    reply(h, WORKER)
    await h.press(WORKER, "Risk of harm")
    ended = reply(h, WORKER)
    assert ended.text == (
        "🏁 Session S0 ended early at 10:00: risk of harm.\nIf a child is at risk, raise an "
        "alert now."
    )
    assert ended.buttons[0][0] == "🚨 Raise an alert about S0"
    s0 = await session_row(h, "S0")
    assert (s0.end_kind, s0.end_reason) == ("early", "risk")

    await h.press(WORKER, "Raise an alert about S0")
    asked = reply(h, WORKER)
    assert asked.text.startswith("🚨 Alert about session S0 09:30 Room 1.\nHow serious is it?")
    await h.press(WORKER, "Urgent concern")
    reply(h, WORKER)
    await h.press(WORKER, "Send now")
    assert reply(h, WORKER).text.startswith("🚨 Alert")
    assert "S0" in one_ping(h, SENIOR).text
    assert "S0" in one_ping(h, MANAGER).text
    async with h.db.unit_of_work() as uow:
        alert = await uow.scalar(select(Alert))
        assert alert is not None and alert.session_id == s0.id
    h.assert_no_unexpected_messages()


async def test_a_forged_amend_button_gets_one_sentence(harness: Harness) -> None:
    h = harness
    await setup(h)
    for forged in ("m:amendnote:999999999999999999999", "m:amendnote:0", "m:amendnote:x1"):
        await h.press_data(WORKER, forged)
        assert reply(h, WORKER).text == (
            "That isn't a note on one of your sessions now, so it can't be amended here."
        )
    h.assert_no_unexpected_messages()
