"""What retrying can't fix is never answered with "try again in a minute"."""

from __future__ import annotations

from sqlalchemy import delete, select

from conversations.processing import SORRY
from storage.models import Child, IllnessReport, child_carers
from tests.e2e.fixtures import CARER, COORDINATOR, WORKER
from tests.e2e.harness import Harness


async def test_a_carer_unlinked_from_the_child_mid_report_is_told_what_to_do(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(WORKER, "W1")
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")  # which sessions it affects
    await h.press(CARER, "No")
    await h.send(CARER, "a bit of a cold")
    h.unread(CARER)
    async with h.db.unit_of_work() as uow:  # the team moves A.B. to another carer
        child = await uow.scalar(select(Child).where(Child.ref == "CH1"))
        assert child is not None
        await uow.execute(delete(child_carers).where(child_carers.c.child_id == child.id))

    await h.press(CARER, "Send")

    texts = [m.text for m in h.unread(CARER)]
    assert SORRY not in texts
    assert "no longer show you as A.B.'s carer" in texts[-1]
    assert h.config.contacts.office_phone in texts[-1]
    async with h.db.unit_of_work() as uow:
        assert await uow.scalar(select(IllnessReport)) is None
    await h.send(CARER, "/help")  # the conversation is closed, not stuck
    (help_text,) = h.unread(CARER)
    assert "pass it on" not in help_text.text
    h.assert_no_unexpected_messages()  # the worker got nothing


async def test_a_nul_typed_into_a_report_is_dropped_not_answered_with_an_apology(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.send(CARER, "/illness")
    await h.press(CARER, "A.B.")
    await h.press(CARER, "None of them")  # which sessions it affects
    await h.press(CARER, "No")
    await h.send(CARER, "a bit\x00 of a\x1b cold\tsince Sunday")
    summary = h.unread(CARER)[-1].text
    assert "What's wrong: a bit of a cold since Sunday" in summary
    await h.press(CARER, "Send")
    texts = [m.text for m in h.unread(CARER)]
    assert SORRY not in texts and "passed this on" in texts[-1]
    async with h.db.unit_of_work() as uow:
        report = await uow.scalar(select(IllnessReport))
    assert report is not None and report.description == "a bit of a cold since Sunday"
    h.assert_no_unexpected_messages()


async def test_a_forged_alert_button_points_each_role_at_what_it_can_use(harness: Harness) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.link(COORDINATOR, "K1")
    await h.press_data(CARER, "a:99:ack")
    (told,) = h.unread(CARER)
    assert "can't match to an alert" in told.text and "/alerts" not in told.text
    await h.press_data(COORDINATOR, "a:99:ack")
    (told,) = h.unread(COORDINATOR)
    assert "Send /alerts to see the open ones." in told.text
    h.assert_no_unexpected_messages()


async def test_a_carer_reaching_for_alert_is_told_whom_to_call_not_just_refused(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    await h.send(CARER, "/alert")
    (told,) = h.unread(CARER)
    assert told.text == (
        "Only staff raise alerts here. If a child is in immediate danger, call 999; with a worry "
        "about a child's safety, phone the office on 01632 960001 (out of hours, the Emergency "
        "Social Work Team on 01632 960999)."
    )
    await h.send(CARER, "/today")  # any other staff command: the usual one sentence
    (refused,) = h.unread(CARER)
    assert refused.text == "That isn't available for your role. Send /help to see what I can do."
    h.assert_no_unexpected_messages()
