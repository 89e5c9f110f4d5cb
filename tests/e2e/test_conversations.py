"""Conversations that never lose an answer: put aside when left, one answer changed, buttons of
an answered question gone, and an old Cancel that still cancels."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.alert_steps import one_ping, setup
from tests.e2e.fixtures import CARER, MANAGER, SENIOR, WORKER
from tests.e2e.harness import Harness

IDLE = timedelta(minutes=31)  # the example service leaves a form idle after 30 minutes


def _has_flow_buttons(buttons: tuple[tuple[str, str], ...]) -> bool:
    return any(data.startswith("f:") for _, data in buttons)


async def start_handover(h: Harness) -> None:
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await h.send(CARER, "/handover")  # one session in reach, so the first question is marks
    await h.press(CARER, "No marks")
    await h.send(CARER, "bottle 8:30, nappy 9:15")
    h.unread(CARER)


async def test_a_typed_answer_survives_an_idle_timeout_and_the_carer_carries_on(
    harness: Harness,
) -> None:
    h = harness
    await start_handover(h)
    await h.advance(IDLE)  # the toddler needs the carer; nothing is pushed meanwhile
    assert h.unread(CARER) == []

    await h.send(CARER, "/contacts")  # something else first: the form is put aside
    retired, notice, contacts = h.unread(CARER)
    assert "How is A.B. today" in retired.text and not retired.buttons
    assert "put it aside with your answers kept" in notice.text and "Office" in contacts.text
    assert [t for t, _ in notice.buttons] == ["▶ Carry on", "🗑 Discard it"]

    await h.press(CARER, "Carry on")
    chosen, question = h.unread(CARER)
    assert chosen.is_edit and "✔ ▶ Carry on" in chosen.text and not chosen.buttons
    assert "How is A.B. today" in question.text  # the question the carer was on
    await h.send(CARER, "happy, slept well")
    await h.press(CARER, "No medicine")
    summary = h.unread(CARER)[-1].text
    assert "Last feed and nappy: bottle 8:30, nappy 9:15" in summary
    await h.press(CARER, "Send to the worker")
    assert "Wren will read this" in h.unread(CARER)[-1].text
    (card,) = h.unread(WORKER)
    assert "Last feed and nappy: bottle 8:30, nappy 9:15" in card.text
    assert "Health and mood: happy, slept well" in card.text
    h.assert_no_unexpected_messages()


async def test_an_answer_typed_after_an_idle_timeout_answers_the_question_on_screen(
    harness: Harness,
) -> None:
    h = harness
    await start_handover(h)
    await h.advance(IDLE)
    await h.send(CARER, "happy, slept well")  # typed words are never thrown away
    question = h.unread(CARER)[-1]
    assert "medicine" in question.text and "put it aside" not in question.text
    await h.press(CARER, "No medicine")
    summary = h.unread(CARER)[-1].text
    assert "Session: Tue 24 Nov, 10:00 · A.B." in summary  # which session, which child
    assert "Health and mood: happy, slept well" in summary
    assert "Last feed and nappy: bottle 8:30, nappy 9:15" in summary
    await h.press(CARER, "Send to the worker")
    assert "Wren will read this" in h.unread(CARER)[-1].text
    (card,) = h.unread(WORKER)
    assert "Health and mood: happy, slept well" in card.text
    h.assert_no_unexpected_messages()


async def test_a_form_put_aside_can_be_discarded(harness: Harness) -> None:
    h = harness
    await start_handover(h)
    await h.advance(IDLE)
    await h.send(CARER, "/contacts")  # a command is still answered after the notice
    retired, notice, contacts = h.unread(CARER)
    assert not retired.buttons and "put it aside" in notice.text
    assert "Office" in contacts.text
    await h.press(CARER, "Discard it")
    chosen, discarded = h.unread(CARER)
    assert "✔ 🗑 Discard it" in chosen.text
    assert "discarded the handover card. Nothing was sent." in discarded.text
    await h.send(CARER, "/handover")  # nothing put aside any more: a fresh card
    assert "marks or bruises" in h.unread(CARER)[-1].text
    h.assert_no_unexpected_messages()


async def test_changing_one_answer_keeps_the_others_in_the_card_sent(harness: Harness) -> None:
    h = harness
    await start_handover(h)
    await h.send(CARER, "happy, slept well")
    await h.press(CARER, "No medicine")
    h.unread(CARER)

    await h.press(CARER, "Change something")
    chosen, which = h.unread(CARER)
    assert "✔ ✏️ Change something" in chosen.text
    answers = [t for t, _ in which.buttons]
    assert answers[0].startswith("Marks or bruises: ✅ All fine: no marks")  # cut to fit
    assert answers[1:4] == [
        "Last feed and nappy: bottle 8:30, nappy 9:15",
        "Health and mood: happy, slept well",
        "Medicine: No medicine",
    ]
    await h.press(CARER, "Health and mood")
    h.unread(CARER)
    asked = h.emulator.current_messages(CARER)[-1]
    assert "Your answer now: happy, slept well" in asked.text
    assert any("Keep" in t for t, _ in asked.buttons)
    await h.send(CARER, "a bit tired, teething")
    retired, summary = h.unread(CARER)
    assert "✔ a bit tired, teething" in retired.text and not retired.buttons
    assert "Please check and send" in summary.text  # straight back, not through the questions
    assert "Health and mood: a bit tired, teething" in summary.text
    assert "Last feed and nappy: bottle 8:30, nappy 9:15" in summary.text

    await h.press(CARER, "Send to the worker")
    h.unread(CARER)
    (card,) = h.unread(WORKER)
    assert "Health and mood: a bit tired, teething" in card.text
    assert "Last feed and nappy: bottle 8:30, nappy 9:15" in card.text
    assert "Marks or bruises: none" in card.text and "Medicine: none" in card.text
    h.assert_no_unexpected_messages()


async def test_an_answered_question_loses_its_buttons(harness: Harness) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.send(CARER, "/handover")
    (marks,) = h.unread(CARER)
    assert marks.buttons
    await h.send(CARER, "small bruise on the left knee")
    retired, care = h.unread(CARER)
    assert retired.message_id == marks.message_id and retired.is_edit
    assert not retired.buttons and "✔ small bruise on the left knee" in retired.text
    assert care.buttons  # only the question now on screen has buttons
    live = [m for m in h.emulator.current_messages(CARER) if _has_flow_buttons(m.buttons)]
    assert [m.message_id for m in live] == [care.message_id]
    h.assert_no_unexpected_messages()


async def test_an_old_cancel_still_cancels(harness: Harness) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.send(CARER, "/handover")
    (marks,) = h.unread(CARER)
    old_cancel = next(data for text, data in marks.buttons if text == "✖ Leave this form")
    await h.press(CARER, "No marks")
    h.unread(CARER)

    shown = {m.message_id: m for m in h.emulator.current_messages(CARER)}
    assert not shown[marks.message_id].buttons  # answered: its buttons are gone
    await h.press_on(CARER, marks.message_id, old_cancel)  # a tap that was already on its way
    retired, cancelled = h.unread(CARER)
    assert "last bottle or meal" in retired.text and not retired.buttons
    assert "You've left the form. Nothing was sent." in cancelled.text
    h.assert_no_unexpected_messages()


async def test_another_form_started_midway_puts_the_first_aside_and_offers_it_after(
    harness: Harness,
) -> None:
    h = harness
    await start_handover(h)
    await h.send(CARER, "/illness")
    retired, aside, question = h.unread(CARER)
    assert not retired.buttons
    assert "put aside the handover card with your answers kept" in aside.text
    assert "Which child is ill?" in question.text
    await h.send(CARER, "/cancel")
    retired, cancelled, offer = h.unread(CARER)
    assert not retired.buttons and "Nothing was sent" in cancelled.text
    assert "still have a form put aside (the handover card)" in offer.text
    await h.press(CARER, "Carry on")
    h.unread(CARER)
    await h.send(CARER, "happy")
    await h.press(CARER, "No medicine")
    assert "bottle 8:30, nappy 9:15" in h.unread(CARER)[-1].text
    h.assert_no_unexpected_messages()


async def test_an_alert_started_again_is_never_held_up_by_one_put_aside(harness: Harness) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/alert")
    await h.press(WORKER, "Urgent concern")
    h.unread(WORKER)
    await h.advance(IDLE)

    await h.send(WORKER, "/alert")  # no Carry on / Start again question first
    retired, notice, discarded, question = h.unread(WORKER)
    assert "Type a short note" in retired.text and not retired.buttons
    assert "put it aside" in notice.text
    assert "discarded what you started earlier (raising an alert)" in discarded.text
    assert "How serious is it?" in question.text
    await h.press(WORKER, "Urgent concern")
    await h.press(WORKER, "Send now")
    assert "A1 sent to" in h.unread(WORKER)[-1].text  # and no form put aside is offered after
    one_ping(h, SENIOR)
    one_ping(h, MANAGER)
    h.assert_no_unexpected_messages()


async def test_an_alert_note_typed_after_an_idle_timeout_is_sent_not_dropped(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/alert")
    await h.press(WORKER, "Urgent concern")
    h.unread(WORKER)
    await h.advance(IDLE)  # the worker was dealing with the incident

    await h.send(WORKER, "father shouting, child crying")
    assert "A1 sent to" in h.unread(WORKER)[-1].text
    assert "father shouting" not in one_ping(h, SENIOR).text  # the note is behind Details
    one_ping(h, MANAGER)
    h.assert_no_unexpected_messages()
