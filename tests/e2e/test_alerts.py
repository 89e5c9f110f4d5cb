"""A worker raises a safeguarding alert mid-session; the chain is pinged until someone has it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.service.config import ServiceConfig
from storage.models import AlertStatus, AuditEvent
from tests.e2e.alert_steps import (
    alert_pinged_on_site,
    alert_row,
    on_rota,
    one_ping,
    raise_urgent,
    setup,
)
from tests.e2e.fixtures import (
    CARER,
    COORDINATOR,
    MANAGER,
    OTHER_WORKER,
    SENIOR,
    STRANGER,
    SUNDAY_EVENING,
    TEAM_MANAGER,
    WORKER,
)
from tests.e2e.harness import Harness


async def test_raising_an_alert_pings_the_on_site_senior_and_manager(harness: Harness) -> None:
    h = harness
    await setup(h)
    await raise_urgent(h, note="dad raised his voice at the child")
    sent = h.unread(WORKER)[-1].text
    assert "A1 sent to Sid, Mia" in sent

    buttons = {
        SENIOR: ["✅ Acknowledge", "📄 Details"],
        MANAGER: ["✅ Acknowledge", "⏫ Escalate now", "📄 Details"],  # only what each may do
    }
    for user_id in (SENIOR, MANAGER):
        ping = one_ping(h, user_id)
        assert "URGENT CONCERN" in ping.text and "Coffee Hall, Room 1 · session S0" in ping.text
        assert "Raised by Wren at 10:00" in ping.text and "ESWT" not in ping.text
        assert "min ago" not in ping.text
        assert "F.G." not in ping.text and "dad" not in ping.text  # details only on demand
        assert ping.protect_content
        assert [label for label, _ in ping.buttons] == buttons[user_id]
    await h.press(SENIOR, "Details")
    details = one_ping(h, SENIOR)
    assert "F.G. (CH3)" in details.text and "dad raised his voice" in details.text
    # The timeline reads as words, with who did each step; no audit codes.
    assert "10:00 raised by Wren" in details.text and "10:00 sent to level 1" in details.text
    assert "pinged" not in details.text and "_" not in details.text.split("Timeline:")[1]
    assert details.protect_content
    h.assert_no_unexpected_messages()


async def test_unacknowledged_alert_escalates_at_the_timeout_not_before(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)

    await h.advance(timedelta(minutes=4, seconds=59))
    h.assert_no_unexpected_messages()
    await h.advance(timedelta(seconds=2))
    for user_id in (MANAGER, TEAM_MANAGER, COORDINATOR):
        ping = one_ping(h, user_id)
        assert "Escalated" in ping.text and "Raised by Wren at 10:00" in ping.text
    told = one_ping(h, WORKER).text  # the worker hears each time it goes up
    assert "Nobody has it yet" in told and "now sent to Cora, Mia, Tara (level 2)" in told
    # The top level repeats until someone acknowledges.
    await h.advance(timedelta(minutes=10))
    for user_id in (MANAGER, TEAM_MANAGER, COORDINATOR):
        one_ping(h, user_id)
    assert "Nobody has it yet" in one_ping(h, WORKER).text
    h.assert_no_unexpected_messages()


async def test_acknowledging_stops_the_pings_and_everyone_sees_who_has_it(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)

    await h.press(SENIOR, "Acknowledge")
    for user_id in (SENIOR, MANAGER):
        edited = one_ping(h, user_id)
        assert edited.is_edit and "Acknowledged by Sid (senior)" in edited.text
    first_button = h.emulator.current_messages(SENIOR)[-1].buttons[0]
    assert first_button[0] == "☑️ Resolve"
    assert "Sid (senior) has your alert A1" in one_ping(h, WORKER).text
    await h.advance(timedelta(minutes=30))
    h.assert_no_unexpected_messages()
    # Acknowledged but not resolved: a reminder to the acknowledger, then the chain again.
    await h.advance(timedelta(minutes=31))
    assert "please resolve it" in one_ping(h, SENIOR).text
    await h.advance(timedelta(minutes=60))
    for user_id in (TEAM_MANAGER, COORDINATOR):
        assert "Sid acknowledged at 10:00 but has not resolved it" in one_ping(h, user_id).text
    # Everyone pinged before sees it is open again (with Acknowledge back); the manager is also
    # pinged at the next level.
    reopened, ping = sorted(h.unread(MANAGER), key=lambda m: not m.is_edit)
    assert (
        "Back with the chain at 12:01" in reopened.text and ping.buttons[0][0] == "✅ Acknowledge"
    )
    assert "Back with the chain at 12:01" in one_ping(h, SENIOR).text
    assert "Sid acknowledged at 10:00 but has not resolved it" in one_ping(h, WORKER).text
    h.assert_no_unexpected_messages()


async def test_two_simultaneous_acknowledgements_exactly_one_wins(harness: Harness) -> None:
    h = harness
    await alert_pinged_on_site(h)

    await h.press(SENIOR, "Acknowledge", settle=False)
    await h.press(MANAGER, "Acknowledge", settle=False)
    await h.settle()
    told = h.unread(WORKER)
    assert len(told) == 1 and "Sid (senior) has your alert" in told[0].text
    (edit,) = h.unread(SENIOR)
    assert "Acknowledged by Sid" in edit.text
    loser = [m.text for m in h.unread(MANAGER)]
    assert any("Sid already has alert A1" in text for text in loser)
    assert any("Acknowledged by Sid" in text for text in loser)
    assert (await alert_row(h)).acknowledged_by_id is not None
    h.assert_no_unexpected_messages()


async def test_a_blocked_recipient_sends_the_alert_up_the_chain_at_once(harness: Harness) -> None:
    h = harness
    await setup(h, rota=("SN1",))
    h.emulator.block_bot(SENIOR)
    await raise_urgent(h)
    h.unread(WORKER)
    # No time passes: the senior can't be reached, so the next level hears at once.
    for user_id in (MANAGER, TEAM_MANAGER):
        assert "could not be reached" in one_ping(h, user_id).text
    # The coordinator also hears who can't be reached (the alert ping may come first or second).
    notice, ping = sorted(h.unread(COORDINATOR), key=lambda m: "could not be reached" in m.text)
    assert "could not be reached" in ping.text
    assert "can't reach Sid Testsenior (senior): they have blocked the bot" in notice.text
    async with h.db.unit_of_work() as uow:
        actions = list(await uow.scalars(select(AuditEvent.action)))
    assert "alert.ping_failed" in actions and "person.unreachable" in actions
    h.assert_no_unexpected_messages()


async def test_out_of_hours_every_ping_carries_the_eswt_number(harness: Harness) -> None:
    h = harness
    h.clock.set(SUNDAY_EVENING)
    await setup(h, rota=())
    await on_rota(h, "M1", on_call=True)
    await h.send(WORKER, "/alert")
    h.unread(WORKER)
    await h.press(WORKER, "Immediate danger")
    assert "Call 999 now" in h.unread(WORKER)[-1].text
    await h.press(WORKER, "Send now")
    h.unread(WORKER)
    eswt = h.config.contacts.out_of_hours_phone
    assert eswt in one_ping(h, MANAGER).text
    await h.advance(timedelta(minutes=2, seconds=1))
    for user_id in (MANAGER, TEAM_MANAGER, COORDINATOR):
        assert eswt in one_ping(h, user_id).text
    assert "now sent to" in one_ping(h, WORKER).text
    h.assert_no_unexpected_messages()


async def test_resolving_needs_an_outcome_and_everyone_is_told(harness: Harness) -> None:
    h = harness
    await alert_pinged_on_site(h)
    await h.press(SENIOR, "Acknowledge")
    h.unread(SENIOR), h.unread(MANAGER), h.unread(WORKER)

    await h.press(SENIOR, "Resolve")
    assert "what was the outcome" in h.unread(SENIOR)[-1].text
    await h.send(SENIOR, "all fine now")
    assert "tap one of the buttons" in h.unread(SENIOR)[-1].text
    assert (await alert_row(h)).status == AlertStatus.ACKNOWLEDGED.value
    await h.press(SENIOR, "Advice given")
    h.unread(SENIOR)
    await h.send(SENIOR, "spoke with dad, session carried on")
    senior_sees = [m.text for m in h.unread(SENIOR)]
    assert any("A1 resolved: Advice given" in text for text in senior_sees)
    assert any("Resolved by Sid (senior)" in text for text in senior_sees)
    assert "Resolved by Sid" in one_ping(h, MANAGER).text
    assert "resolved by Sid (senior): Advice given" in one_ping(h, WORKER).text
    alert = await alert_row(h)
    assert alert.status == AlertStatus.RESOLVED.value and alert.outcome == "Advice given"
    await h.advance(timedelta(hours=3))
    h.assert_no_unexpected_messages()


async def test_readiness_check_names_the_unlinked_manager(
    harness: Harness, service_config: ServiceConfig
) -> None:
    h = harness
    await h.stop_bot()
    h.config = service_config  # checks at 08:00
    h.clock.set(datetime(2026, 11, 23, 7, 59, tzinfo=UTC))
    await h.start_bot()
    await setup(h, link_all=False)
    await h.link(COORDINATOR, "K1")
    for user_id, ref in ((SENIOR, "SN1"), (TEAM_MANAGER, "TM1")):
        await h.link(user_id, ref)
    await h.advance(timedelta(minutes=0, seconds=30))
    h.assert_no_unexpected_messages()
    await h.advance(timedelta(minutes=1))
    warning = one_ping(h, COORDINATOR).text
    assert "Mia Testmanager" in warning and "has not linked Telegram" in warning
    assert "Sid" not in warning
    await h.advance(timedelta(hours=1))  # once a day
    h.assert_no_unexpected_messages()


@pytest.mark.parametrize("action", ["ack", "det"])
async def test_people_outside_the_alert_cannot_acknowledge_or_read_it(
    harness: Harness, action: str
) -> None:
    h = harness
    await setup(h)
    await h.link(CARER, "C1")
    await h.link(OTHER_WORKER, "W2")
    await alert_pinged_on_site(h, already_set_up=True)
    await h.send(STRANGER, "hello")
    h.unread(STRANGER)

    for user_id in (CARER, OTHER_WORKER, STRANGER):
        await h.press_data(user_id, f"a:1:{action}")
        texts = " ".join(m.text for m in h.unread(user_id))
        assert "F.G." not in texts and "URGENT" not in texts
    alert = await alert_row(h)
    assert alert.status == AlertStatus.OPEN.value
    async with h.db.unit_of_work() as uow:
        refused = list(
            await uow.scalars(
                select(AuditEvent).where(AuditEvent.action == "alert.access_refused")
            )
        )
    assert len(refused) == 3
    h.assert_no_unexpected_messages()


async def test_an_escalation_missed_while_the_bot_was_down_fires_once_marked_late(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)

    await h.stop_bot()
    h.clock.advance(timedelta(minutes=25))  # two deadlines pass while nobody is running
    await h.start_bot()
    await h.settle()
    for user_id in (MANAGER, TEAM_MANAGER, COORDINATOR):
        assert "this was due at 10:05" in one_ping(h, user_id).text
    assert "now sent to" in one_ping(h, WORKER).text
    async with h.db.unit_of_work() as uow:
        passed = list(
            await uow.scalars(
                select(AuditEvent).where(AuditEvent.action == "alert.deadline_passed")
            )
        )
    assert len(passed) == 1 and passed[0].details["is_late"] is True
    h.assert_no_unexpected_messages()
