"""Welfare check-ins on a community session: "All OK?" every half hour from the start; a check
answered in time is recorded and raises nothing; one missed raises an urgent alert to the
on-site chain, once, and a late *All OK* says the alert stands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Alert, AuditEvent, WelfareCheck
from tests.e2e.alert_steps import on_rota, one_ping
from tests.e2e.fixtures import (
    ALERT_STAFF,
    CHILDREN,
    MANAGER,
    OTHER_WORKER,
    PEOPLE,
    SENIOR,
    WORKER,
)
from tests.e2e.harness import Harness

HEADER = "ref,venue,room,date,start,end,worker_ref,child_refs,supervision,setting,lone\n"
# Monday 23 November 2026, 10:00 now: W0 began at 09:40 in the community (checks at 10:10,
# 10:40; none at its booked end, 11:10); S1 and S2 are later on, S2 lone working.
SESSIONS = (
    HEADER
    + "W0,coffee-hall,Park café,2026-11-23,09:40,11:10,W1,CH3,full,community,\n"
    + "S1,coffee-hall,Room 2,2026-11-24,10:00,11:30,W1,CH1,full,,\n"
    + "S2,greenleys,Garden room,2026-11-25,14:00,15:00,W2,CH3,supported,,yes\n"
)
QUESTION = (
    "🛡 Welfare check: all OK at session W0 (Coffee Hall, Park café)? Tap All OK within "
    "10 minutes, or an urgent alert goes to the senior or manager on duty."
)


async def book_community_session(h: Harness) -> None:
    """The community session under way, the on-site senior and manager on the rota."""
    await h.import_records(people=PEOPLE + ALERT_STAFF, children=CHILDREN, sessions=SESSIONS)
    for ref in ("SN1", "M1"):
        await on_rota(h, ref)
    for user_id, ref in ((WORKER, "W1"), (SENIOR, "SN1"), (MANAGER, "M1")):
        await h.link(user_id, ref)
    await h.advance(timedelta(seconds=1))  # under way: no reminders for it
    await h.advance(timedelta(minutes=9, seconds=58))  # 10:09:59
    assert h.unread(WORKER) == []


async def test_a_missed_welfare_check_raises_an_urgent_alert_once(harness: Harness) -> None:
    h = harness
    await book_community_session(h)
    await h.advance(timedelta(seconds=1))  # 10:10
    (question,) = h.unread(WORKER)
    assert question.text == QUESTION and question.protect_content
    assert [label for label, _ in question.buttons] == ["✅ All OK"]
    await h.stop_bot()
    await h.start_bot()
    await h.advance(timedelta(minutes=9, seconds=58))  # 10:19:58, across a restart: asked once
    h.assert_no_unexpected_messages()

    await h.advance(timedelta(seconds=2))  # 10:20: the grace is over
    for user_id in (SENIOR, MANAGER):
        ping = one_ping(h, user_id)
        assert "URGENT CONCERN" in ping.text and "Coffee Hall, Park café · session W0" in ping.text
        assert (
            "No answer to the welfare check at 10:10 from Wren, session W0 at Coffee Hall, "
            "Park café, in the community. Raised by the bot at 10:20."
        ) in ping.text
        assert "F.G." not in ping.text
    await h.press(MANAGER, "Details")
    (details,) = h.unread(MANAGER)
    assert "Raised by the bot: No answer to the welfare check at 10:10 from Wren" in details.text
    assert "Note from the worker" not in details.text
    await h.press(WORKER, "All OK")  # too late
    (late,) = h.unread(WORKER)
    assert late.text == (
        "Too late for this check: an alert was raised at 10:20 and stays open until the person "
        "handling it resolves it, so please tell them you're OK."
    )
    await h.stop_bot()
    await h.start_bot()
    await h.advance(timedelta(seconds=30))
    async with h.db.unit_of_work() as uow:
        alerts = list(await uow.scalars(select(Alert)))
        assert [(a.status, a.origin) for a in alerts] == [("open", "welfare")]
        (check,) = await uow.scalars(select(WelfareCheck))
        assert check.alert_id == alerts[0].id and check.answered_at is None
    h.assert_no_unexpected_messages()


async def test_an_answered_welfare_check_is_recorded_and_the_next_follows(
    harness: Harness,
) -> None:
    h = harness
    await book_community_session(h)
    await h.advance(timedelta(seconds=1))  # 10:10
    assert [m.text for m in h.unread(WORKER)] == [QUESTION]
    await h.advance(timedelta(minutes=2))  # 10:12
    await h.send(WORKER, "/today")
    (card,) = h.unread(WORKER)
    assert "🛡 In the community: I'll ask \"All OK?\" every 30 minutes from the start." in (
        card.text
    )
    await h.press(WORKER, "All OK")
    (answered,) = h.unread(WORKER)
    assert answered.is_edit and answered.text == f"{QUESTION}\n✔ All OK at 10:12."
    assert not answered.buttons
    await h.press_data(WORKER, f"wf:{999999}")  # a forged check
    (unknown,) = h.unread(WORKER)
    assert unknown.text.startswith("That button doesn't match a welfare check I know")
    await h.link(OTHER_WORKER, "W2")
    async with h.db.unit_of_work() as uow:
        (check,) = await uow.scalars(select(WelfareCheck))
    await h.press_data(OTHER_WORKER, f"wf:{check.id}")  # another worker, by the check's id
    (refused,) = h.unread(OTHER_WORKER)
    assert refused.text == "Only the session's worker can answer its welfare check."
    await h.advance(timedelta(minutes=20))  # 10:32: no alert
    h.assert_no_unexpected_messages()

    await h.advance(timedelta(minutes=8))  # 10:40: the next check
    (second,) = h.unread(WORKER)
    assert second.text == QUESTION
    await h.press(WORKER, "All OK")
    assert h.unread(WORKER)[0].text.endswith("✔ All OK at 10:40.")
    await h.advance(timedelta(minutes=45))  # 11:25: past the booked end, nothing more
    async with h.db.unit_of_work() as uow:
        assert list(await uow.scalars(select(Alert))) == []
        answers = await uow.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "session.welfare_ok")
        )
        assert len(list(answers)) == 2
    h.assert_no_unexpected_messages()
