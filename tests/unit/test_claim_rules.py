"""The claim's rules for one due row, without a database: per-chat order, alert pings first,
edits in order, Telegram's limits, and leases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scheduler.claim_rules import (
    KEPT_IN_WINDOW,
    PER_CHAT_IN_CLAIM,
    ChatFacts,
    ClaimFacts,
    EditTarget,
    RowFacts,
    Verdict,
    decide,
)
from storage.models import Priority

CLAIM = ClaimFacts()
FREE_CHAT = ChatFacts()
SECOND = timedelta(seconds=1)


def reply(row_id: int = 7, **facts: Any) -> RowFacts:
    return RowFacts(row_id=row_id, priority=Priority.REPLY, kind="send", **facts)


def alert(row_id: int = 7, **facts: Any) -> RowFacts:
    return RowFacts(row_id=row_id, priority=Priority.ALERT, kind="send", **facts)


def test_a_due_row_whose_chat_is_free_is_taken_and_counts_against_the_limits() -> None:
    decision = decide(reply(), FREE_CHAT, CLAIM)
    assert decision.verdict is Verdict.TAKE
    assert decision.uses_pace and not decision.holds_chat


def test_rows_that_are_not_this_claims_to_decide_are_passed_over() -> None:
    assert decide(reply(), None, CLAIM).verdict is Verdict.PASS  # no chat: it failed already
    assert decide(reply(was_seen=True), FREE_CHAT, CLAIM).verdict is Verdict.PASS


def test_a_row_this_process_still_sends_is_not_taken_again_when_its_lease_runs_out() -> None:
    assert decide(reply(is_sending_here=True), FREE_CHAT, CLAIM).verdict is Verdict.PASS
    assert decide(alert(is_sending_here=True), FREE_CHAT, CLAIM).verdict is Verdict.PASS


def test_a_full_claim_reads_no_further() -> None:
    assert decide(reply(), FREE_CHAT, ClaimFacts(is_full=True)).verdict is Verdict.STOP


def test_a_message_waits_for_an_earlier_one_to_its_chat() -> None:
    on_its_way = ChatFacts(first_waiting=(Priority.REPLY, 3))
    decision = decide(reply(row_id=7), on_its_way, CLAIM)
    assert decision.verdict is Verdict.WAIT  # it goes in a moment: left due
    assert not decision.holds_chat  # the earlier one holds the chat already


def test_a_chats_backlog_beyond_the_first_few_is_put_aside() -> None:
    backlog = ChatFacts(first_waiting=(Priority.REPLY, 3), kept_in_window=KEPT_IN_WINDOW)
    assert decide(reply(row_id=7), backlog, CLAIM).verdict is Verdict.PARK


def test_a_reminder_waits_behind_a_reply_but_a_reply_does_not_wait_behind_a_reminder() -> None:
    reply_waiting = ChatFacts(first_waiting=(Priority.REPLY, 9))
    reminder = RowFacts(row_id=3, priority=Priority.REMINDER, kind="send")
    assert decide(reminder, reply_waiting, CLAIM).verdict is Verdict.WAIT
    reminder_waiting = ChatFacts(first_waiting=(Priority.REMINDER, 3))
    assert decide(reply(row_id=9), reminder_waiting, CLAIM).verdict is Verdict.TAKE


def test_a_later_message_does_not_hold_up_an_earlier_one() -> None:
    later_waiting = ChatFacts(first_waiting=(Priority.REPLY, 9))
    assert decide(reply(row_id=7), later_waiting, CLAIM).verdict is Verdict.TAKE


def test_an_alert_ping_never_waits_behind_other_messages_to_its_chat() -> None:
    stuck_ping = ChatFacts(first_waiting=(Priority.ALERT, 3))  # in a dead process's lease
    assert decide(alert(row_id=7), stuck_ping, CLAIM).verdict is Verdict.TAKE


def test_an_alert_message_waits_while_this_process_still_sends_its_chat_an_alert() -> None:
    busy = ChatFacts(is_sending_alert_here=True)
    decision = decide(alert(), busy, CLAIM)
    assert decision.verdict is Verdict.WAIT
    assert not decision.holds_chat  # the chat's other messages don't wait for it


def test_an_edit_waits_for_an_earlier_edit_of_the_same_message() -> None:
    second_edit = reply(row_id=9, edit_target=EditTarget.SENT, first_pending_edit=8)
    decision = decide(second_edit, FREE_CHAT, CLAIM)
    assert decision.verdict is Verdict.WAIT
    assert not decision.holds_chat  # other messages to the chat go on
    first_edit = reply(row_id=8, edit_target=EditTarget.SENT, first_pending_edit=9)
    assert decide(first_edit, FREE_CHAT, CLAIM).verdict is Verdict.TAKE


def test_an_edit_goes_after_the_message_it_edits_and_fails_if_that_never_went() -> None:
    not_sent_yet = decide(reply(edit_target=EditTarget.PENDING), FREE_CHAT, CLAIM)
    assert not_sent_yet.verdict is Verdict.WAIT
    assert not_sent_yet.holds_chat  # the chat's later messages stay behind it
    assert decide(reply(edit_target=EditTarget.SENT), FREE_CHAT, CLAIM).verdict is Verdict.TAKE
    assert decide(reply(edit_target=EditTarget.GONE), FREE_CHAT, CLAIM).verdict is Verdict.FAIL


def test_a_chats_later_rows_go_in_the_next_claim() -> None:
    decision = decide(reply(), ChatFacts(in_claim=PER_CHAT_IN_CLAIM), CLAIM)
    assert decision.verdict is Verdict.WAIT
    assert decision.holds_chat
    assert decide(reply(), ChatFacts(in_claim=PER_CHAT_IN_CLAIM - 1), CLAIM).verdict is Verdict.TAKE


def test_the_overall_limit_ends_the_claim_and_says_when_to_look_again() -> None:
    decision = decide(reply(), FREE_CHAT, ClaimFacts(ready_in=SECOND))
    assert decision.verdict is Verdict.STOP
    assert decision.pace_wait == SECOND


def test_a_chat_at_its_limit_or_paused_by_a_429_puts_its_message_aside_and_holds_its_line() -> None:
    decision = decide(reply(), ChatFacts(ready_in=SECOND * 3), CLAIM)
    assert decision.verdict is Verdict.PARK  # paced: never left due, however few wait
    assert decision.holds_chat
    assert decision.pace_wait == SECOND * 3


def test_a_paced_alert_ping_waits_in_the_window_rather_than_being_put_aside() -> None:
    decision = decide(alert(), ChatFacts(ready_in=SECOND), CLAIM)
    assert decision.verdict is Verdict.WAIT
    assert decision.holds_chat


def test_button_answers_and_unpaced_claims_do_not_count_against_the_limits() -> None:
    answer = RowFacts(row_id=7, priority=Priority.REPLY, kind="answer")
    at_limit = ChatFacts(ready_in=SECOND)
    decision = decide(answer, at_limit, ClaimFacts(ready_in=SECOND))
    assert decision.verdict is Verdict.TAKE and not decision.uses_pace
    unpaced = decide(reply(), at_limit, ClaimFacts(is_paced=False, ready_in=SECOND))
    assert unpaced.verdict is Verdict.TAKE and not unpaced.uses_pace


def test_an_edit_of_a_message_never_delivered_fails_even_at_the_limit() -> None:
    gone = reply(edit_target=EditTarget.GONE)
    assert decide(gone, ChatFacts(ready_in=SECOND), ClaimFacts(ready_in=SECOND)).verdict is (
        Verdict.FAIL
    )


places = st.tuples(st.sampled_from(list(Priority)), st.integers(1, 50))
waits = st.sampled_from([timedelta(0), SECOND])
rows = st.builds(
    RowFacts,
    row_id=st.integers(1, 50),
    priority=st.sampled_from(list(Priority)),
    kind=st.sampled_from(["send", "edit", "answer"]),
    is_sending_here=st.booleans(),
    was_seen=st.booleans(),
    edit_target=st.sampled_from(list(EditTarget)),
    first_pending_edit=st.none() | st.integers(1, 50),
)
chats = st.none() | st.builds(
    ChatFacts,
    first_waiting=st.none() | places,
    is_sending_alert_here=st.booleans(),
    in_claim=st.integers(0, PER_CHAT_IN_CLAIM + 1),
    kept_in_window=st.integers(0, KEPT_IN_WINDOW + 1),
    ready_in=waits,
)
claims = st.builds(ClaimFacts, is_full=st.booleans(), is_paced=st.booleans(), ready_in=waits)


@given(rows, chats, claims)
def test_an_alert_row_is_never_put_aside(row: RowFacts, chat: ChatFacts, claim: ClaimFacts) -> None:
    if row.priority == Priority.ALERT:
        assert decide(row, chat, claim).verdict is not Verdict.PARK


@given(rows, chats, claims)
def test_a_message_behind_an_earlier_one_to_its_chat_is_never_taken(
    row: RowFacts, chat: ChatFacts, claim: ClaimFacts
) -> None:
    first = None if chat is None else chat.first_waiting
    if first is not None and first < row.place and row.priority != Priority.ALERT:
        assert decide(row, chat, claim).verdict is not Verdict.TAKE


@given(rows, chats, claims)
def test_a_taken_row_keeps_every_rule(row: RowFacts, chat: ChatFacts, claim: ClaimFacts) -> None:
    decision = decide(row, chat, claim)
    if decision.verdict is not Verdict.TAKE:
        assert not decision.uses_pace
        return
    assert chat is not None and not claim.is_full
    assert not row.is_sending_here and not row.was_seen
    assert chat.in_claim < PER_CHAT_IN_CLAIM
    assert row.edit_target in (EditTarget.NONE, EditTarget.SENT)
    assert row.first_pending_edit is None or row.first_pending_edit >= row.row_id
    assert not decision.holds_chat
    if decision.uses_pace:
        assert chat.ready_in == timedelta(0) and claim.ready_in == timedelta(0)
