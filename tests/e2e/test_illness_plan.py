"""Illness that changes the plan: the carer says which sessions it affects; catching calls them
off, "not sure" goes to the seniors (first Keep or Cancel wins), not catching lets them go ahead."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import IllnessReport, Session
from tests.e2e.fixtures import (
    ALERT_STAFF,
    CARER,
    COORDINATOR,
    MANAGER,
    PEOPLE,
    SENIOR,
    WORKER,
)
from tests.e2e.harness import Harness

SOCIAL_WORKER = 7005  # Sam (SW1), the social worker of every child in the fixtures
SENIORS_AT_COFFEE_HALL = "".join(ALERT_STAFF.splitlines(keepends=True)[:2])  # Sid and Mia
HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision\n"
THURSDAY = "R1,coffee-hall,Room 2,2026-11-26,10:00,11:00,W1,CH1,full\n"  # A.B. again


async def setup(h: Harness) -> None:
    await h.import_records(people=PEOPLE + SENIORS_AT_COFFEE_HALL, sessions=HEADER + THURSDAY)
    for user_id, ref in (
        (CARER, "C1"),
        (WORKER, "W1"),
        (COORDINATOR, "K1"),
        (SOCIAL_WORKER, "SW1"),
        (SENIOR, "SN1"),
        (MANAGER, "M1"),
    ):
        await h.link(user_id, ref)


async def report(h: Harness, affects: str, contagious: str, what: str) -> str:
    """The carer reports A.B. ill; returns the reply they read."""
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    (*_, question) = h.unread(CARER)
    assert question.text.startswith("Which of A.B.'s sessions coming up could this affect?")
    assert [label for label, _ in question.buttons][:3] == [
        "Only Tue 24 Nov, 10:00",
        "All 2: Tue 24 Nov, 10:00 to Thu 26 Nov, 10:00",
        "None of them",
    ]
    await h.press(CARER, affects)
    await h.press(CARER, contagious)
    await h.send(CARER, what)
    summary = h.unread(CARER)[-1].text
    assert f"Sessions it affects: {affects}" in summary
    await h.press(CARER, "Send")
    return h.unread(CARER)[-1].text


async def statuses(h: Harness) -> dict[str, tuple[str, str | None]]:
    async with h.db.unit_of_work() as uow:
        rows = await uow.scalars(select(Session).where(Session.ref.in_(("S1", "R1"))))
        return {s.ref: (s.status, s.cancel_reason) for s in rows}


def cancelled(ref: str, when: str, by: str, why: str) -> str:
    return (
        f"❌ Session {ref} on {when} (Coffee Hall, Room 2) is cancelled.\n"
        "Children: A.B. (CH1)\n"
        f"Called off by {by} at Mon 23 Nov, 10:00: {why}."
    )


async def test_a_catching_illness_calls_off_the_sessions_it_affects(harness: Harness) -> None:
    h = harness
    await setup(h)

    reply = await report(h, "All 2", "Yes", "sickness since last night")
    assert reply.startswith(
        "Thank you. I've passed this on about A.B. to the Family Time team.\n"
        "As it could be catching, these sessions are off: Tue 24 Nov, 10:00; Thu 26 Nov, 10:00. "
        "Please don't bring A.B. to the centre while they could pass it on"
    )

    why = "A.B. (CH1) is ill and could pass it on (sickness since last night)"
    expected = [
        cancelled("S1", "Tue 24 Nov, 10:00", "Casey (carer)", why),
        cancelled("R1", "Thu 26 Nov, 10:00", "Casey (carer)", why),
    ]
    for who in (WORKER, SOCIAL_WORKER):  # the worker reads it in the cancellation notices
        assert [m.text for m in h.unread(who)] == expected
        assert all(m.protect_content for m in h.emulator.messages(who)[-2:])
    illness, *notices = h.unread(COORDINATOR)
    assert illness.text.startswith("🤒 Illness reported for A.B. (CH1)\nContagious: Yes")
    assert illness.text.endswith(
        "Cancelled, as a contagious child must not be brought in: "
        "S1 (Tue 24 Nov, 10:00), R1 (Thu 26 Nov, 10:00)"
    )
    assert [m.text for m in notices] == expected
    assert await statuses(h) == {"S1": ("cancelled", "illness"), "R1": ("cancelled", "illness")}
    h.assert_no_unexpected_messages()  # the seniors have nothing to decide


async def test_not_catching_lets_the_sessions_go_ahead_and_the_worker_knows(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    h.unread(CARER)
    await h.send_media(CARER, "photo")  # on the question of which sessions: asked again
    _retired, again = h.unread(CARER)
    assert again.text.startswith("I can't pass on photos, so nobody will see it.")
    assert "Which of A.B.'s sessions coming up could this affect?" in again.text
    await h.press(CARER, "Only Tue")
    await h.press(CARER, "No")
    await h.send(CARER, "x" * 501)
    assert h.unread(CARER)[-1].text.startswith("That's 501 characters")
    await h.send(CARER, "a runny nose")
    summary = h.unread(CARER)[-1].text
    assert "Sessions it affects: Only Tue 24 Nov, 10:00" in summary  # nothing entered was lost
    await h.press(CARER, "Send")
    assert "The session goes ahead (Tue 24 Nov, 10:00); the worker knows." in (
        h.unread(CARER)[-1].text
    )

    for who in (WORKER, COORDINATOR):
        (notice,) = h.unread(who)
        assert notice.text.startswith("🤒 Illness reported for A.B. (CH1)\nContagious: No")
        assert notice.text.endswith("Not catching, so these go ahead: S1 (Tue 24 Nov, 10:00)")
    assert await statuses(h) == {"S1": ("scheduled", None), "R1": ("scheduled", None)}
    h.assert_no_unexpected_messages()  # the social worker and the seniors hear nothing


async def test_not_sure_goes_to_the_seniors_and_the_first_cancel_wins(harness: Harness) -> None:
    h = harness
    await setup(h)
    reply = await report(h, "Only Tue", "Not sure", "a rash, no temperature")
    assert (
        "A senior will decide whether the session goes ahead (Tue 24 Nov, 10:00) and I'll tell "
        "you as soon as they have." in reply
    )

    asked = "A senior is deciding whether these go ahead: S1 (Tue 24 Nov, 10:00)"
    copies = {}
    for senior in (SENIOR, MANAGER):
        (copy,) = h.unread(senior)
        assert copy.text.startswith("🤒 Illness reported for A.B. (CH1)\nContagious: Not sure")
        assert copy.text.endswith(f"{asked}\nShould it go ahead?") and copy.protect_content
        assert [label for label, _ in copy.buttons] == ["✅ Keep", "❌ Cancel"]
        copies[senior] = copy
    for who in (WORKER, COORDINATOR):
        (notice,) = h.unread(who)
        assert notice.text.endswith(asked) and not notice.buttons
    h.assert_no_unexpected_messages()

    await h.press(MANAGER, "Cancel")
    (own,) = h.unread(MANAGER)
    assert own.is_edit and own.text.endswith("✔ Mia decided: they are cancelled.")
    assert not own.buttons
    (other,) = h.unread(SENIOR)
    assert other.is_edit and other.text.endswith("✔ Mia decided: they are cancelled.")
    assert not other.buttons
    why = "A.B. (CH1) is ill and may be catching; Mia decided not to go ahead"
    notice = cancelled("S1", "Tue 24 Nov, 10:00", "Mia (manager)", why)
    for who in (WORKER, COORDINATOR, SOCIAL_WORKER):
        assert [m.text for m in h.unread(who)] == [notice]
    (told,) = h.unread(CARER)
    assert told.text == (
        "About A.B.'s illness: the team has decided to cancel the session: Tue 24 Nov, 10:00. "
        "Please keep A.B. at home; no reminders will come for it."
    )
    assert await statuses(h) == {"S1": ("cancelled", "illness"), "R1": ("scheduled", None)}

    keep = dict(copies[SENIOR].buttons)["✅ Keep"]
    await h.press_on(SENIOR, copies[SENIOR].message_id, keep)  # a tap just too late
    assert [m.text for m in h.unread(SENIOR)] == ["Mia has already decided about this report."]
    await h.press_data(SENIOR, "ill:999999:c")  # forged: a report never sent to Sid
    assert [m.text for m in h.unread(SENIOR)] == [
        "That button doesn't match an illness report sent to you."
    ]
    await h.press_data(WORKER, keep)  # a worker doesn't decide
    assert h.unread(WORKER)[-1].text.startswith("That isn't available for your role.")
    async with h.db.unit_of_work() as uow:
        decided = await uow.scalar(select(IllnessReport.decision))
    assert decided == "cancel"
    h.assert_no_unexpected_messages()  # one decision, told once


async def test_not_sure_kept_by_a_senior_goes_ahead_and_the_carer_and_worker_hear(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await report(h, "All 2", "Not sure", "a rash, no temperature")
    for who in (MANAGER, WORKER, COORDINATOR):
        h.unread(who)
    (copy,) = h.unread(SENIOR)
    assert copy.text.endswith("Should they go ahead?")

    await h.press(SENIOR, "Keep")
    (own,) = h.unread(SENIOR)
    assert own.text.endswith("✔ Sid decided: they go ahead.")
    (other,) = h.unread(MANAGER)
    assert other.is_edit and other.text.endswith("✔ Sid decided: they go ahead.")
    assert [m.text for m in h.unread(WORKER)] == [
        "✅ Sid decided session S1 on Tue 24 Nov, 10:00 goes ahead despite A.B. (CH1)'s illness.",
        "✅ Sid decided session R1 on Thu 26 Nov, 10:00 goes ahead despite A.B. (CH1)'s illness.",
    ]
    (told,) = h.unread(CARER)
    assert told.text.startswith(
        "About A.B.'s illness: the team has decided the sessions go ahead "
        "(Tue 24 Nov, 10:00; Thu 26 Nov, 10:00)."
    )
    assert await statuses(h) == {"S1": ("scheduled", None), "R1": ("scheduled", None)}
    h.assert_no_unexpected_messages()  # the social worker hears of nothing called off


async def test_a_decision_after_the_carer_called_the_session_off_tells_nobody_it_goes_ahead(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await report(h, "Only Tue", "Not sure", "a rash, no temperature")
    for who in (SENIOR, MANAGER, WORKER, COORDINATOR):
        h.unread(who)
    await h.send(CARER, "/cantcome")  # the rash got worse: Casey calls Tuesday off herself
    await h.press(CARER, "Tue 24 Nov")
    await h.press(CARER, "Child unwell")
    await h.press(CARER, "Yes, call it off")
    h.unread(CARER)
    for who in (WORKER, COORDINATOR, SOCIAL_WORKER):
        (notice,) = h.unread(who)
        assert notice.text.startswith("❌ Session S1 on Tue 24 Nov, 10:00")

    await h.press(SENIOR, "Keep")  # the senior had not seen the cancellation
    (own,) = h.unread(SENIOR)
    assert own.text.endswith("✔ Sid decided: they go ahead.")
    (other,) = h.unread(MANAGER)
    assert other.is_edit
    (told,) = h.unread(CARER)
    assert told.text == (
        "About A.B.'s illness: the team has looked at it. The sessions it affected have "
        "already started or been called off, so nothing else changes."
    )
    assert await statuses(h) == {"S1": ("cancelled", "unwell"), "R1": ("scheduled", None)}
    h.assert_no_unexpected_messages()  # the worker isn't told the cancelled session goes ahead
