"""Who may resolve, take over or escalate an alert, and what happens when its holder leaves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.people.identity import deactivate_person, find_person
from storage.models import AlertStatus, AuditEvent
from tests.e2e.alert_steps import alert_pinged_on_site, alert_row, one_ping, setup
from tests.e2e.fixtures import COORDINATOR, MANAGER, OTHER_WORKER, SENIOR, TEAM_MANAGER, WORKER
from tests.e2e.harness import Harness


async def _actions(h: Harness) -> list[str]:
    async with h.db.unit_of_work() as uow:
        return list(await uow.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


async def test_only_the_holder_resolves_and_a_manager_takes_over_first(harness: Harness) -> None:
    h = harness
    await alert_pinged_on_site(h)
    await h.press(SENIOR, "Acknowledge")
    h.unread(SENIOR), h.unread(WORKER)
    managers_ping = one_ping(h, MANAGER)
    assert [label for label, _ in managers_ping.buttons] == ["🔁 Take over", "📄 Details"]

    await h.press_data(MANAGER, "a:1:res")  # a forged Resolve: not the holder's to give
    refused = h.unread(MANAGER)[-1]
    assert "Sid (senior) has alert A1; only they can resolve it" in refused.text
    await h.press(MANAGER, "Take over")
    # The holder is told, and every ping says so (the senior's without Resolve now).
    edit, told = sorted(h.unread(SENIOR), key=lambda m: not m.is_edit)
    assert "Mia (manager) has taken over alert A1 from you" in told.text
    assert "Taken over by Mia (manager) from Sid (senior)" in edit.text
    assert [label for label, _ in edit.buttons] == ["📄 Details"]
    assert "Mia (manager) has taken over your alert A1" in one_ping(h, WORKER).text
    edits = [m for m in h.unread(MANAGER) if m.is_edit]
    assert edits and "Taken over by Mia" in edits[-1].text
    assert edits[-1].buttons[0][0] == "☑️ Resolve"

    await h.press_data(SENIOR, "a:1:res")  # a stale Resolve from before the take-over
    assert "Mia (manager) has alert A1; only they can resolve it" in h.unread(SENIOR)[-1].text
    assert (await alert_row(h)).status == AlertStatus.ACKNOWLEDGED.value

    await h.press(MANAGER, "Resolve")
    h.unread(MANAGER)
    await h.press(MANAGER, "Advice given")
    h.unread(MANAGER)
    await h.press(MANAGER, "Skip the note")
    assert any("A1 resolved: Advice given" in m.text for m in h.unread(MANAGER))
    resolved = one_ping(h, SENIOR).text
    assert "Resolved by Mia (manager) (taken at 10:00, resolved at 10:00)" in resolved
    assert "resolved by Mia" in one_ping(h, WORKER).text
    actions = await _actions(h)
    assert actions.count("alert.acknowledged") == 1 and "alert.taken_over" in actions
    h.assert_no_unexpected_messages()


async def test_an_unacknowledged_alert_is_acknowledged_before_it_is_resolved(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)
    await h.send(COORDINATOR, "/alerts")
    h.unread(COORDINATOR)

    await h.press_data(COORDINATOR, "a:1:res")
    told = h.unread(COORDINATOR)[-1]
    assert "acknowledge it first" in told.text and told.buttons[0][0] == "✅ Acknowledge"
    alert = await alert_row(h)
    assert alert.status == AlertStatus.OPEN.value and alert.acknowledged_by_id is None
    assert "alert.acknowledged" not in await _actions(h)
    h.assert_no_unexpected_messages()


async def test_escalate_now_sends_the_alert_to_the_next_level_at_once(harness: Harness) -> None:
    h = harness
    await alert_pinged_on_site(h)

    await h.press(MANAGER, "Escalate now")  # no time passes
    for user_id in (TEAM_MANAGER, COORDINATOR):
        assert "Escalated now by Mia (manager)" in one_ping(h, user_id).text
    manager_sees = [m.text for m in h.unread(MANAGER)]
    assert any("A1 escalated: now sent to" in text for text in manager_sees)
    assert any("Escalated now by Mia" in text for text in manager_sees)  # level 2's ping
    told = one_ping(h, WORKER).text
    assert "Escalated now by Mia (manager)" in told and "now sent to" in told
    # The senior's level-1 button is stale now: a second tap climbs nothing.
    await h.press_data(MANAGER, "a:1:esc:0")
    assert "was not escalated: it has gone up already" in h.unread(MANAGER)[-1].text
    assert (await _actions(h)).count("alert.escalated_now") == 1
    # A senior may not escalate (the button is not theirs).
    await h.press_data(SENIOR, "a:1:esc:1")
    assert "Only the staff handling this alert" in h.unread(SENIOR)[-1].text
    assert (await alert_row(h)).step == 1
    h.assert_no_unexpected_messages()


async def test_deactivating_the_holder_puts_the_alert_back_into_escalation_at_once(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)
    await h.press(SENIOR, "Acknowledge")
    h.unread(SENIOR), h.unread(MANAGER), h.unread(WORKER)

    async with h.db.unit_of_work() as uow:
        senior = await find_person(uow, "SN1")
        assert senior is not None
        await deactivate_person(uow, senior, now=h.clock.now())
    await h.advance(timedelta(seconds=1))  # the next tick, not the two-hour reminder cycle

    reason = "Sid (senior) can no longer act on it (deactivated)"
    for user_id in (TEAM_MANAGER, COORDINATOR):
        assert reason in one_ping(h, user_id).text
    reopened, ping = sorted(h.unread(MANAGER), key=lambda m: not m.is_edit)
    assert "Back with the chain" in reopened.text and reason in reopened.text
    assert reason in ping.text and ping.buttons[0][0] == "✅ Acknowledge"
    assert reason in one_ping(h, WORKER).text
    alert = await alert_row(h)
    assert alert.status == AlertStatus.OPEN.value and alert.acknowledged_by_id is None
    actions = await _actions(h)
    assert "alert.released" in actions and "alert.reopened" in actions
    h.assert_no_unexpected_messages()  # the deactivated senior's chat gets nothing


async def test_alerts_list_shows_the_venue_and_only_what_each_person_may_do(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)
    await h.send(MANAGER, "/alerts")  # open: the same word as on the ping
    (listed,) = h.unread(MANAGER)
    assert [label for label, _ in listed.buttons] == ["✅ Acknowledge A1", "📄 Details of A1"]
    await h.press(SENIOR, "Acknowledge")
    h.unread(SENIOR), h.unread(MANAGER), h.unread(WORKER)

    await h.send(TEAM_MANAGER, "/alerts")  # not pinged, but a manager: may take it over
    (listed,) = h.unread(TEAM_MANAGER)
    assert "A1" in listed.text and "Coffee Hall" in listed.text and "with Sid" in listed.text
    assert [label for label, _ in listed.buttons] == ["🔁 Take over A1", "📄 Details of A1"]
    await h.send(SENIOR, "/alerts")  # the holder
    (listed,) = h.unread(SENIOR)
    assert [label for label, _ in listed.buttons] == ["☑️ Resolve A1", "📄 Details of A1"]
    h.assert_no_unexpected_messages()


async def test_repeated_refused_taps_are_answered_once_and_counted_in_details(
    harness: Harness,
) -> None:
    h = harness
    await setup(h)
    await h.link(OTHER_WORKER, "W2")
    await alert_pinged_on_site(h, already_set_up=True)

    for _ in range(3):
        await h.press_data(OTHER_WORKER, "a:1:ack")
    refusals = [m.text for m in h.unread(OTHER_WORKER)]
    assert len(refusals) == 1 and "Only the staff handling this alert" in refusals[0]
    await h.press(SENIOR, "Details")
    details = one_ping(h, SENIOR).text
    assert "3 refused taps" in details and "access_refused" not in details
    assert (await _actions(h)).count("alert.access_refused") == 3  # every attempt is recorded
    h.assert_no_unexpected_messages()


async def test_a_holder_imported_as_a_carer_releases_the_alert_and_loses_its_details(
    harness: Harness,
) -> None:
    h = harness
    await alert_pinged_on_site(h)
    await h.press(SENIOR, "Acknowledge")
    h.unread(SENIOR), h.unread(MANAGER), h.unread(WORKER)

    await h.import_records(
        people="ref,first_name,last_name,role,venue,phone\nSN1,Sid,Testsenior,carer,,\n"
    )
    await h.advance(timedelta(seconds=1))  # the next tick
    for user_id in (TEAM_MANAGER, COORDINATOR):
        assert "no longer on the staff" in one_ping(h, user_id).text
    h.unread(MANAGER), h.unread(WORKER)
    alert = await alert_row(h)
    assert alert.status == AlertStatus.OPEN.value and alert.acknowledged_by_id is None

    await h.press_data(SENIOR, f"a:{alert.id}:det")  # an old ping's Details
    texts = [m.text for m in h.unread(SENIOR)]
    assert not any("note" in t.lower() or "F.G." in t for t in texts), texts
    h.assert_no_unexpected_messages()
