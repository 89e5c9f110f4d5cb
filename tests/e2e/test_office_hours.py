"""Contacts and out-of-hours words: the ESWT first when the office is closed; a carer's form
sent out of hours says once when the office will see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.fixtures import CARER, COORDINATOR, STRANGER, WORKER
from tests.e2e.harness import Harness

SERVICE = "Family Time (example council)"
OFFICE = [
    "Office: 01632 960001",
    "Email: familytime@example.org",
    "Office hours: Mon–Fri 09:00–17:00, Sat 09:30–16:30; closed on bank holidays",
]
EMERGENCY = [
    "Emergency Social Work Team (out of hours, in an emergency): 01632 960999",
    "If a child is in immediate danger, call 999.",
]
CLOSED_LINE = (
    "The office is closed now; they'll see this from Tuesday 09:00. In an emergency call the "
    "out-of-hours team (Emergency Social Work Team) on 01632 960999."
)


async def test_contacts_give_hours_and_email_and_put_the_eswt_first_when_closed(
    harness: Harness,
) -> None:
    h = harness  # Monday 23 November, 10:00: open
    await h.link(COORDINATOR, "K1")  # anyone linked: no reminders to read away
    await h.send(COORDINATOR, "/contacts")
    (open_now,) = h.unread(COORDINATOR)
    assert open_now.text.splitlines() == [SERVICE, *OFFICE, *EMERGENCY]

    h.clock.set(datetime(2026, 11, 23, 18, 30, tzinfo=UTC))  # Monday evening
    await h.press(COORDINATOR, "Contacts")
    (evening,) = h.unread(COORDINATOR)
    assert evening.text.splitlines() == [
        SERVICE,
        "The office is closed now; it opens Tuesday 09:00.",
        *EMERGENCY,
        *OFFICE,
    ]
    h.assert_no_unexpected_messages()


async def test_contacts_on_a_bank_holiday_give_the_next_working_day(harness: Harness) -> None:
    h = harness
    # Christmas Day, a Friday, set before anything is sent: a month's jump of the clock with
    # the chat's earlier replies behind it would be a month's wait to the watchdog.
    h.clock.set(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))
    await h.link(COORDINATOR, "K1")
    await h.send(COORDINATOR, "/contacts")  # Boxing Day is a Saturday: Monday 28th is off too
    (holiday,) = h.unread(COORDINATOR)
    assert holiday.text.splitlines()[1] == "The office is closed now; it opens Tuesday 09:00."

    await h.send(STRANGER, "/contacts")  # anyone gets the public numbers, the ESWT first too
    (public,) = h.unread(STRANGER)
    assert f"{SERVICE}\nThe office is closed now; it opens Tuesday 09:00.\n" in public.text
    h.assert_no_unexpected_messages()


async def test_a_form_sent_out_of_hours_says_once_when_the_office_will_see_it(
    harness: Harness,
) -> None:
    h = harness
    for user_id, ref in ((CARER, "C1"), (WORKER, "W1"), (COORDINATOR, "K1")):
        await h.link(user_id, ref)
    h.clock.set(datetime(2026, 11, 23, 18, 30, tzinfo=UTC))  # Monday evening: closed
    await h.advance(timedelta(seconds=1))
    (evening_reminder,) = h.unread(CARER)  # 18:00 the evening before S1
    assert "A.B. tomorrow, Tue 24 Nov, 10:00" in evening_reminder.text

    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")
    await h.press(CARER, "No")
    await h.send(CARER, "a bad cold")
    await h.press(CARER, "Send")
    messages = h.unread(CARER)
    assert all(CLOSED_LINE not in m.text for m in messages[:-1])  # not on every question
    assert messages[-1].text.startswith("Thank you. I've passed this on about A.B.")
    assert messages[-1].text.endswith(f"\n{CLOSED_LINE}")
    for staff in (WORKER, COORDINATOR):  # staff get the report as ever, never the line
        (notice,) = h.unread(staff)
        assert "🤒 Illness reported for A.B. (CH1)" in notice.text
        assert "The office is closed" not in notice.text

    h.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # Tuesday 09:00: open again
    await h.advance(timedelta(seconds=1))
    for user_id in (CARER, WORKER):
        h.unread(user_id)  # S1's reminder and briefing (their own scenarios)
    await h.send(CARER, "/illness")
    await h.press(CARER, "D.E.")
    await h.press(CARER, "No")
    await h.send(CARER, "a rash")
    await h.press(CARER, "Send")
    assert "The office is closed" not in h.unread(CARER)[-1].text
    (notice,) = h.unread(COORDINATOR)
    assert "D.E. (CH2)" in notice.text
    h.assert_no_unexpected_messages()


async def test_a_refusal_before_a_form_starts_gives_the_eswt_and_the_opening_out_of_hours(
    harness: Harness,
) -> None:
    h = harness  # Monday 23 November, 10:00: open; Casey's only session is tomorrow
    await h.link(CARER, "C1")
    await h.send(CARER, "/late")
    (open_now,) = h.unread(CARER)
    assert open_now.text == (
        "I can't find a session today for the children you look after, so please phone the "
        "office on 01632 960001 to say you're running late."
    )

    h.clock.set(datetime(2026, 11, 23, 18, 30, tzinfo=UTC))  # Monday evening: closed
    await h.send(CARER, "/late")
    (closed,) = h.unread(CARER)
    assert closed.text.splitlines() == [
        "I can't find a session today for the children you look after, so please phone the "
        "office on 01632 960001 to say you're running late.",
        "The office is closed now; it opens Tuesday 09:00. In an emergency call the "
        "out-of-hours team (Emergency Social Work Team) on 01632 960999.",
    ]
    h.assert_no_unexpected_messages()


async def test_before_the_office_opens_the_carer_reads_the_worker_has_it_now(
    harness: Harness,
) -> None:
    h = harness  # the worker reads a late notice at once: not "they'll see this from 09:00"
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    h.clock.set(datetime(2026, 11, 24, 8, 10, tzinfo=UTC))  # Tuesday, the office opens at 09:00
    await h.advance(timedelta(seconds=1))
    for user_id in (CARER, WORKER):
        h.unread(user_id)  # S1's reminder and briefing (their own scenarios)
    await h.send(CARER, "/late")
    await h.press(CARER, "10 minutes")
    assert h.unread(CARER)[-1].text.splitlines() == [
        "Thank you, I've told Wren you'll be about 10 minutes late (arriving about 10:10). "
        "I'll tell you when they've seen it.",
        "The office is closed now; it opens 09:00 today. In an emergency call the "
        "out-of-hours team (Emergency Social Work Team) on 01632 960999.",
    ]
    (notice,) = h.unread(WORKER)
    assert "late for session S1 at 10:00" in notice.text
    h.assert_no_unexpected_messages()


async def test_a_handover_card_before_the_office_opens_reads_as_with_the_worker_now(
    harness: Harness,
) -> None:
    h = harness  # the card goes straight to the worker, so the office's hours aren't theirs
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    h.clock.set(datetime(2026, 11, 24, 8, 10, tzinfo=UTC))  # Tuesday, the office opens at 09:00
    await h.advance(timedelta(seconds=1))
    for user_id in (CARER, WORKER):
        h.unread(user_id)  # S1's reminder and briefing (their own scenarios)
    await h.send(CARER, "/handover")
    for answer in ("All fine", "All fine", "All fine", "No medicine", "Send"):
        await h.press(CARER, answer)
    last = h.unread(CARER)[-1].text.splitlines()
    assert last[0].startswith("Thank you, Wren will read this before the session")
    assert last[1].startswith("The office is closed now; it opens 09:00 today.")
    (card,) = h.unread(WORKER)
    assert card.text.startswith("📝 Handover card for session S1")
    h.assert_no_unexpected_messages()
