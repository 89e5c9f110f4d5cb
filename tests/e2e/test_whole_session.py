"""A whole session as the worker lives it, through the chat alone: the parent arrives, the child
is brought, the session runs with a note of each kind and an amendment, it ends, and the report
goes as a protected PDF to the child's social worker and the coordinator, and to nobody else."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from tests.e2e.fixtures import CARER, COORDINATOR, OTHER_WORKER, WORKER
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7031  # Sam (SW1), the social worker of every child in the fixtures
CHILDREN = """ref,initials,social_worker_ref,carer_refs
CH1,A.B.,SW1,C1
CH2,D.E.,SW1,C1
CH3,F.G.,SW1,C2
"""
# Monday 23 November 2026 (GMT), 10:00 now: A.B. (CH1, Casey's) has W1 at 11:00 with Wren.
SESSIONS = (
    "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,attendees\n"
    "W1,coffee-hall,Room 3,2026-11-23,11:00,12:00,W1,CH1,full,M.B.:PA-101\n"
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def mark(h: Harness, label: str) -> str:
    """Tap one mark on the worker's /today card; the confirmation's text."""
    await h.send(WORKER, "/today")
    h.unread(WORKER)
    await h.press(WORKER, label)
    (marked,) = h.unread(WORKER)
    return marked.text


async def note(h: Harness, kind: str, *answers: str) -> None:
    """A note of one kind: /note, the kind, each answer; the last message says it was kept."""
    await h.send(WORKER, "/note")
    await h.press(WORKER, kind)
    for answer in answers:
        await h.send(WORKER, answer)
    assert h.unread(WORKER)[-1].text.startswith("🖊 Noted at "), h.unread(WORKER)


async def test_a_whole_session_from_arrival_to_the_report_reaching_only_sw_and_coordinator(
    harness: Harness,
) -> None:
    h = harness
    for user_id, ref in (
        (WORKER, "W1"),
        (OTHER_WORKER, "W2"),
        (CARER, "C1"),
        (COORDINATOR, "K1"),
        (SOCIAL_WORKER, "SW1"),
    ):
        await h.link(user_id, ref)
    await h.import_records(children=CHILDREN, sessions=SESSIONS)
    await h.advance(timedelta(seconds=1))
    assert len(h.unread(CARER)) == 1  # the 2-hour reminder, due since 09:00
    assert len(h.unread(WORKER)) == 1  # the morning briefing, due since 08:00

    assert await mark(h, "Parent arrived") == "✔ Parent arrived: marked at 10:00 (session W1)."
    await h.advance(timedelta(minutes=30))  # 10:30: the worker's nudge; no "parent not here"
    assert len(h.unread(WORKER)) == 1
    await h.advance(timedelta(minutes=20))
    assert (await mark(h, "Child arrived")).startswith("✔ Child arrived (with the carer)")
    await h.advance(timedelta(minutes=10))  # 11:00
    assert (await mark(h, "Started")).endswith("marked at 11:00 (session W1).")

    h.clock.advance(timedelta(minutes=5))
    await note(h, "Observed", "A.B. ran to mum and hugged her")
    await h.press(WORKER, "Amend this note")
    await h.send(WORKER, "A.B. walked to mum and hugged her")
    await h.send(WORKER, "misremembered")
    assert h.unread(WORKER)[-1].text.startswith("✏ Amendment kept at 11:05")
    h.clock.advance(timedelta(minutes=5))
    await note(h, "Said", "I missed you so much")
    await note(h, "Reported", "the child", "mum bought her new shoes")
    await note(h, "My view", "Mum was warm and attentive throughout")

    await h.advance(timedelta(minutes=48))  # 11:58
    assert (await mark(h, "Parent left")).endswith("marked at 11:58 (session W1).")
    h.clock.advance(timedelta(minutes=2))
    assert (await mark(h, "Child handed back")).endswith("marked at 12:00 (session W1).")
    await h.send(WORKER, "/endsession")
    await h.press(WORKER, "On time")
    assert h.unread(WORKER)[-1].text == "🏁 Session W1 ended on time at 12:00."
    await h.press(WORKER, "Review the report")
    review = h.unread(WORKER)[-1].text
    assert "I missed you so much" in review and "mum bought her new shoes" in review
    await h.press(WORKER, "Submit")
    submitted, sent = h.unread(WORKER)[-2:]
    assert submitted.text.startswith("📤 Report for session W1 submitted")
    assert sent.text.startswith("📄 Report for session W1 sent to 2 people, the social worker")

    texts = []
    for user_id in (SOCIAL_WORKER, COORDINATOR):
        (message,) = h.unread(user_id)
        assert message.document is not None and message.protect_content
        assert message.document.file_name == "session-report-W1.pdf"
        texts.append(pdf_text(message.document.content))
    assert texts[0] == texts[1]
    in_order = [
        "Session reference: W1",
        "Planned time: 11:00-12:00",
        "Actual time: 11:00-12:00",
        "Venue and room: Coffee Hall, Room 3",
        "Child brought by: Casey (carer)",
        "Supervised by: Wren (worker)",
        "Attended: M.B. (PA-101)",
        "Parent arrived: 10:00",
        "Parent left: 11:58",
        "Observed",
        "11:05 A.B. ran to mum and hugged her (amended: see Amendments)",
        "Said (quoted)",
        '11:10 "I missed you so much"',
        "Reported (with who said it)",
        "11:10 the child said: mum bought her new shoes",
        "The worker's professional opinion",
        "11:10 Mum was warm and attentive throughout",
        "Ended on time at 12:00",
        "Amendments",
        "Reason: misremembered",
        'Original (kept): "A.B. ran to mum and hugged her"',
        "CONFIDENTIAL",
    ]
    position = 0
    for expected in in_order:
        found = texts[0].find(expected, position)
        assert found >= 0, (expected, texts[0][position : position + 300])
        position = found + len(expected)
    h.assert_no_unexpected_messages()  # the carer and the other worker got nothing of it
