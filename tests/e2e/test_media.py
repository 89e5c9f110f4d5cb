"""Photos, voice notes, videos and files: never silently dropped; what was typed is kept."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Alert, IllnessReport
from tests.e2e.alert_steps import one_ping, setup
from tests.e2e.fixtures import CARER, MANAGER, SENIOR, WORKER
from tests.e2e.harness import Harness


async def test_a_captioned_photo_at_the_alert_note_keeps_the_caption_and_says_so(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(WORKER, "/alert")
    await h.press(WORKER, "Urgent concern")
    h.unread(WORKER)
    await h.send_media(WORKER, "photo", caption="bruise on arm, see photo")
    retired, *rest = h.unread(WORKER)
    assert retired.is_edit and not retired.buttons  # the question answered loses its buttons
    told, sent = (m.text for m in rest)
    assert "can't pass on photos" in told and "kept your caption" in told
    assert "A1 sent to" in sent
    async with h.db.unit_of_work() as uow:
        alert = await uow.scalar(select(Alert))
    assert alert is not None and alert.note == "bruise on arm, see photo"
    one_ping(h, SENIOR)
    one_ping(h, MANAGER)
    h.assert_no_unexpected_messages()


async def test_media_at_a_choice_or_without_a_caption_is_refused_and_nothing_is_lost(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")  # which sessions it affects
    h.unread(CARER)
    await h.send_media(CARER, "voice")
    retired, again = h.unread(CARER)
    assert retired.is_edit and not retired.buttons  # asked again below: no second live copy
    assert "can't pass on voice notes" in again.text and "tap one of the buttons" in again.text
    assert "pass it on" in again.text and any(t == "Yes" for t, _ in again.buttons)
    await h.press(CARER, "Yes")
    h.unread(CARER)
    for kind, words in (("photo", "photos"), ("video", "videos"), ("document", "files")):
        await h.send_media(CARER, kind)
        retired, again = h.unread(CARER)
        assert retired.is_edit and not retired.buttons
        assert f"can't pass on {words}" in again.text and "type a few words" in again.text
        assert "What's wrong with A.B." in again.text
    await h.send_media(CARER, "document", caption="rash\x00 on\x07 both arms\n")
    retired, told, summary = h.unread(CARER)
    assert retired.is_edit and "✔ rash on both arms" in retired.text and not retired.buttons
    assert "can't pass on files" in told.text
    assert "Child: A.B." in summary.text and "What's wrong: rash on both arms" in summary.text
    await h.press(CARER, "Send")
    assert "passed this on" in h.unread(CARER)[-1].text
    async with h.db.unit_of_work() as uow:
        report = await uow.scalar(select(IllnessReport))
    assert report is not None and report.description == "rash on both arms"
    h.assert_no_unexpected_messages()


async def test_media_outside_a_conversation_gets_one_sentence_and_the_menu(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.send_media(CARER, "photo", caption="look at this")
    (answer,) = h.unread(CARER)
    assert "can't pass on photos" in answer.text
    assert any("ill" in text for text, _ in answer.buttons)
    h.assert_no_unexpected_messages()
