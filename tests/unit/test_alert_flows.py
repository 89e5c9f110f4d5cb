"""The alert and resolve flows against the engine, with no I/O: taps, skips and random input."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations import engine
from conversations.flows.alert import ALERT
from conversations.flows.resolve import RESOLVE

IN_SESSION = {"sessions": [["5", "S0 09:30 Room 1"], ["6", "S9 14:00"]], "session": "5"}
RESOLVING = {"alert": 1, "ref": "A1", "outcomes": ["Advice given", "No further action"]}


def test_two_taps_raise_an_alert_about_the_current_session() -> None:
    turn = engine.start_flow(ALERT, IN_SESSION, "n0")
    assert turn.state is not None and "S0 09:30 Room 1" in turn.messages[0].text
    turn = engine.advance(ALERT, turn.state, text=None, button="urgent", nonce="n1")
    assert turn.state is not None and "Call 999" not in turn.messages[0].text
    turn = engine.advance(ALERT, turn.state, text=None, button="send", nonce="n2")
    assert turn.finished == {**IN_SESSION, "severity": "urgent", "note": "send"}


def test_immediate_danger_says_call_999_and_a_typed_note_sends() -> None:
    turn = engine.start_flow(ALERT, IN_SESSION, "n0")
    assert turn.state is not None
    turn = engine.advance(ALERT, turn.state, text=None, button="immediate", nonce="n1")
    assert turn.state is not None and turn.messages[0].text.startswith("Call 999 now")
    turn = engine.advance(ALERT, turn.state, text="child hurt", nonce="n2", button=None)
    assert turn.finished is not None and turn.finished["note"] == "child hurt"


def test_changing_the_session_comes_back_to_severity() -> None:
    turn = engine.start_flow(ALERT, IN_SESSION, "n0")
    assert turn.state is not None
    turn = engine.advance(ALERT, turn.state, text=None, button="change", nonce="n1")
    assert turn.state is not None and turn.state.step == "session"
    turn = engine.advance(ALERT, turn.state, text=None, button="6", nonce="n2")
    assert turn.state is not None and turn.state.step == "severity"
    assert "S9 14:00" in turn.messages[0].text


def test_resolving_cannot_finish_without_an_outcome() -> None:
    turn = engine.start_flow(RESOLVE, RESOLVING, "n0")
    assert turn.state is not None
    turn = engine.advance(RESOLVE, turn.state, text="it's fine", button=None, nonce="n1")
    assert turn.state is not None and turn.state.step == "outcome"
    assert "tap one of the buttons" in turn.messages[0].text
    turn = engine.advance(RESOLVE, turn.state, text=None, button="skip", nonce="n2")
    assert turn.state is not None and turn.state.step == "outcome"


answers = st.one_of(
    st.tuples(st.text(max_size=400), st.none()),
    st.tuples(st.none(), st.text(max_size=64)),
    st.tuples(
        st.none(),
        st.sampled_from(
            ["immediate", "urgent", "worry", "change", "5", "6", "none", "send", "skip", "0", "1",
             engine.BACK, engine.CANCEL, ""]
        ),
    ),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([(ALERT, IN_SESSION), (RESOLVE, RESOLVING)]), st.lists(answers, max_size=10))
def test_any_input_to_either_flow_never_raises_and_always_answers(
    flow_and_data: tuple[engine.Flow, dict[str, Any]], inputs: list[tuple[str | None, str | None]]
) -> None:
    flow, data = flow_and_data
    turn = engine.start_flow(flow, data, "n0")
    for text, button in inputs:
        if turn.state is None:
            break
        turn = engine.advance(flow, turn.state, text=text, button=button, nonce="n1")
        assert turn.messages or turn.finished is not None or turn.is_cancelled
        for message in turn.messages:
            assert message.text.strip()
            assert all(len(b.data.encode()) <= 64 for row in message.keyboard for b in row)
