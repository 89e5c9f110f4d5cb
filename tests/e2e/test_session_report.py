"""The session report: after ending a session the worker reviews it and submits; the PDF goes,
protected, to the child's social worker and the coordinators only. With sign-off, a senior
approves it first (the first decision wins) or sends it back with a reason."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from storage.models import ReportStatus, Session, SessionReport
from tests.e2e.alert_steps import setup
from tests.e2e.fixtures import (
    CARER,
    COORDINATOR,
    MANAGER,
    OTHER_CARER,
    OTHER_WORKER,
    SENIOR,
    TEAM_MANAGER,
    WORKER,
)
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7020
NOT_YOURS = "That isn't one of your ended sessions with a report still to submit."


async def s0_id(h: Harness) -> int:
    async with h.db.unit_of_work() as uow:
        found = await uow.scalar(select(Session.id).where(Session.ref == "S0"))
        assert found is not None
        return found


async def report_row(h: Harness) -> SessionReport:
    async with h.db.unit_of_work() as uow:
        found = await uow.scalar(select(SessionReport))
        assert found is not None
        return found


async def note_and_end(h: Harness) -> None:
    """Wren notes what she saw during S0 (F.G.), ends it on time, and opens the review."""
    for user_id, ref in (
        (SOCIAL_WORKER, "SW1"),
        (CARER, "C1"),
        (OTHER_CARER, "C2"),
        (OTHER_WORKER, "W2"),
    ):
        await h.link(user_id, ref)
    await h.send(WORKER, "/note")
    await h.press(WORKER, "Observed")
    await h.send(WORKER, "F.G. ran to mum and hugged her")
    await h.send(WORKER, "/endsession")
    await h.press(WORKER, "On time")
    ended = h.unread(WORKER)[-1]
    assert ended.text == "🏁 Session S0 ended on time at 10:00."
    assert ended.buttons[0][0] == "📝 Review the report"
    await h.press(WORKER, "Review the report")
    review = h.unread(WORKER)[-1]
    assert review.text.startswith("📝 Report for session S0, Monday 23 November 2026")
    assert "• 10:00  F.G. ran to mum and hugged her" in review.text
    assert [label for label, _ in review.buttons] == ["📤 Submit", "✖ Leave this form"]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def the_report(h: Harness, user_id: int) -> bytes:
    """The one message this person got: the report, protected."""
    (message,) = h.unread(user_id)
    assert message.document is not None, message.text
    assert message.document.file_name == "session-report-S0.pdf"
    assert message.protect_content
    return message.document.content


async def test_a_submitted_report_goes_to_the_social_worker_and_coordinators_only(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await note_and_end(h)
    session_id = await s0_id(h)
    await h.press_data(OTHER_WORKER, f"m:report:{session_id}")  # another worker: refused
    assert h.unread(OTHER_WORKER)[-1].text.startswith(NOT_YOURS)

    await h.send_media(WORKER, "photo")  # not an answer: one sentence, the review again
    problem = h.unread(WORKER)[-1]
    assert "Please tap one of the buttons below." in problem.text
    assert "F.G. ran to mum and hugged her" in problem.text
    await h.send(WORKER, "send it")  # typed words are not Submit either
    assert "F.G. ran to mum" in h.unread(WORKER)[-1].text

    await h.press(WORKER, "Submit")
    assert [m.text for m in h.unread(WORKER)[-2:]] == [
        "📤 Report for session S0 submitted: the PDF goes to the social worker and coordinators "
        "in a moment.",
        "📄 Report for session S0 sent to 2 people, the social worker and the coordinators.",
    ]
    await h.press_data(WORKER, f"m:report:{session_id}")  # an old Review button: refused
    assert h.unread(WORKER)[-1].text.startswith(NOT_YOURS)
    for user_id in (SOCIAL_WORKER, COORDINATOR):
        text = pdf_text(the_report(h, user_id))
        assert "Session reference: S0" in text and "F.G. ran to mum and hugged her" in text
    report = await report_row(h)
    assert report.status == ReportStatus.SENT.value and report.sent_at == h.clock.now()
    assert report.pdf is not None and "Session reference: S0" in pdf_text(report.pdf)

    await h.send(WORKER, "/report")  # nothing left to submit
    assert h.unread(WORKER)[-1].text.startswith("You have no ended session with a report")
    h.assert_no_unexpected_messages()  # no carer, senior or manager got it


async def test_with_sign_off_a_senior_approves_first_and_the_others_see_who_did(
    harness: Harness,
) -> None:
    h = harness
    reports = h.config.reports.model_copy(update={"sign_off": True})
    h.config = h.config.model_copy(update={"reports": reports})
    await h.stop_bot()
    await h.start_bot()
    await setup(h)
    await note_and_end(h)
    await h.press(WORKER, "Submit")
    assert [m.text for m in h.unread(WORKER)[-2:]] == [
        "📤 Report for session S0 submitted: the PDF goes to a senior for sign-off in a moment.",
        "📄 Report for session S0 sent for sign-off to 3 people, the seniors and managers.",
    ]
    for signer in (SENIOR, MANAGER, TEAM_MANAGER):
        document, question = h.unread(signer)
        assert document.document is not None and document.protect_content
        assert question.text.startswith("📝 Wren's report for session S0")
        assert [label for label, _ in question.buttons] == ["✅ Approve", "↩ Send back"]

    await h.press(SENIOR, "Send back")
    asked = h.unread(SENIOR)[-1]
    assert asked.text.startswith("↩ Sending back the report for S0: what should change?")
    await h.send(SENIOR, "Please add the time mum left")
    assert h.unread(SENIOR)[-1].text == "↩ Report for S0 sent back; the worker has your reason."
    for other in (MANAGER, TEAM_MANAGER):
        (edit,) = h.unread(other)
        assert edit.is_edit and edit.text.endswith("↩ Sid sent it back to the worker.")
    back = h.unread(WORKER)[-1]
    assert back.text.startswith(
        "↩ Sid sent back your report for session S0: Please add the time mum left"
    )
    stale = (await report_row(h)).version

    await h.press(WORKER, "Review and submit again")
    await h.press(WORKER, "Submit")
    h.unread(WORKER)
    for signer in (SENIOR, MANAGER, TEAM_MANAGER):
        assert len(h.unread(signer)) == 2  # the new version, and its question
    await h.press_data(MANAGER, f"rpt:{(await report_row(h)).id}:{stale}:a")  # the old one
    assert h.unread(MANAGER)[-1].text == (
        "The worker has submitted the report for S0 again since: use the newest message."
    )

    await h.press(MANAGER, "Approve")
    (approved, *_) = [m for m in h.unread(MANAGER) if m.is_edit]
    assert approved.text.endswith(
        "✔ Mia approved it; it has gone to the social worker and coordinators."
    )
    for other in (SENIOR, TEAM_MANAGER):
        (edit,) = h.unread(other)
        assert edit.is_edit and "✔ Mia approved it" in edit.text
    assert h.unread(WORKER)[-1].text.startswith("✅ Mia approved your report for session S0")
    for user_id in (SOCIAL_WORKER, COORDINATOR):
        the_report(h, user_id)
    report = await report_row(h)
    await h.press_data(SENIOR, f"rpt:{report.id}:{report.version}:a")  # a tap just too late
    assert h.unread(SENIOR)[-1].text == "Mia has already decided about the report for S0."
    assert report.status == ReportStatus.SENT.value and report.version == stale + 1
    h.assert_no_unexpected_messages()
