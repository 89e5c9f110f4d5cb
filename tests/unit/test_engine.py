"""The conversation engine against the illness flow, with no I/O."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations import engine
from conversations.engine import FlowState, Turn
from conversations.flows.illness import ILLNESS

TWO_CHILDREN = {"children": [["11", "A.B."], ["12", "D.E."]]}
ONE_CHILD = {"children": [["11", "A.B."]]}


def keys(turn: Turn) -> list[str]:
    """The flow-button keys offered by the turn's last prompt."""
    out = []
    for row in turn.messages[-1].keyboard:
        for button in row:
            parsed = engine.parse_flow_button(button.data)
            assert parsed is not None
            out.append(parsed[1])
    return out


def step(turn: Turn, *, text: str | None = None, button: str | None = None) -> Turn:
    assert turn.state is not None
    return engine.advance(ILLNESS, turn.state, text=text, button=button, nonce="n2")


def test_asks_which_child_when_there_are_two() -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n1")
    assert turn.state is not None and turn.state.step == "child"
    assert turn.messages[0].text == "Which child is ill?"
    assert keys(turn) == ["11", "12", "cancel"]


def test_skips_the_child_question_when_there_is_one() -> None:
    turn = engine.start_flow(ILLNESS, ONE_CHILD, "n1")
    assert turn.state is not None and turn.state.step == "contagious"
    assert turn.state.data["child"] == "11"


def test_a_full_report_finishes_with_every_answer() -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n1")
    turn = step(turn, button="12")
    assert turn.chosen_label == "D.E."
    turn = step(turn, text="not sure")
    turn = step(turn, text="  was   sick this morning ")
    assert "was sick this morning" in turn.messages[0].text
    turn = step(turn, button="send")
    assert turn.state is None
    assert turn.finished is not None
    assert turn.finished["child"] == "12"
    assert turn.finished["contagious"] == "not_sure"
    assert turn.finished["description"] == "was sick this morning"


def test_back_keeps_earlier_answers() -> None:
    turn = step(step(engine.start_flow(ILLNESS, TWO_CHILDREN, "n1"), button="11"), button="yes")
    back = step(turn, button=engine.BACK)
    assert back.state is not None and back.state.step == "contagious"
    assert back.state.data["child"] == "11" and back.state.data["contagious"] == "yes"


def test_a_wrong_answer_gets_one_clear_sentence_and_the_same_question() -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n1")
    again = step(turn, text="the little one")
    assert again.state is not None and again.state.step == "child"
    assert again.messages[0].text.startswith("Please tap one of the buttons below")


def test_too_long_a_description_is_refused_with_the_limit() -> None:
    turn = step(step(engine.start_flow(ILLNESS, TWO_CHILDREN, "n1"), button="11"), button="no")
    again = step(turn, text="x" * 501)
    assert again.state is not None and again.state.step == "description"
    assert "up to 500" in again.messages[0].text


def test_cancel_ends_the_conversation_without_finishing() -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n1")
    done = step(turn, text="/cancel")
    assert done.state is None and done.is_cancelled and done.finished is None


def test_a_stored_step_that_no_longer_exists_is_closed_cleanly() -> None:
    state = FlowState("illness", "renamed-step", dict(TWO_CHILDREN), (), "n1")
    turn = engine.advance(ILLNESS, state, text="hello", button=None, nonce="n2")
    assert turn.state is None and turn.is_cancelled


def test_button_data_fits_telegram_and_carries_no_names() -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "abcdef")
    for row in turn.messages[0].keyboard:
        for button in row:
            assert len(button.data.encode()) <= 64
            assert "A.B." not in button.data


answers = st.one_of(
    st.tuples(st.text(max_size=600), st.none()),
    st.tuples(st.none(), st.text(max_size=64)),
    st.tuples(
        st.none(),
        st.sampled_from(
            [
                "11",
                "12",
                "yes",
                "no",
                "not_sure",
                "send",
                "change",
                engine.BACK,
                engine.CANCEL,
                "99",
                "",
            ]
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(answers, max_size=12))
def test_any_sequence_of_input_never_raises_and_always_answers(
    inputs: list[tuple[str | None, str | None]],
) -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n0")
    for text, button in inputs:
        if turn.state is None:
            break
        turn = engine.advance(ILLNESS, turn.state, text=text, button=button, nonce="n1")
        finished_or_cancelled = turn.state is None and (turn.finished or turn.is_cancelled)
        assert turn.messages or finished_or_cancelled
        for message in turn.messages:
            assert message.text.strip()


def test_a_superscript_digit_is_not_taken_as_a_choice_number() -> None:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n0")
    turn = step(turn, text="²")  # isdigit() says yes, int() says no
    assert turn.state is not None and turn.state.step == "child"
    assert "tap one of the buttons" in turn.messages[0].text


def test_a_photo_at_a_choice_asks_for_a_tap_and_keeps_the_answers() -> None:
    turn = engine.start_flow(ILLNESS, ONE_CHILD, "n1")
    assert turn.state is not None
    again = engine.advance(ILLNESS, turn.state, text="yes", button=None, nonce="n2", media="photo")
    assert again.state is not None and again.state.step == "contagious"
    assert again.state.data == turn.state.data and again.finished is None
    assert again.messages[0].text.startswith("I can't pass on photos")
    assert "tap one of the buttons" in again.messages[0].text


def test_a_captioned_voice_note_at_a_text_step_answers_with_the_caption() -> None:
    turn = step(engine.start_flow(ILLNESS, ONE_CHILD, "n1"), button="yes")
    assert turn.state is not None and turn.state.step == "description"
    bare = engine.advance(ILLNESS, turn.state, text="", button=None, nonce="n2", media="voice")
    assert bare.state is not None and bare.state.step == "description"
    assert "type a few words" in bare.messages[0].text
    kept = engine.advance(
        ILLNESS, turn.state, text="a rash", button=None, nonce="n3", media="voice"
    )
    assert kept.state is not None and kept.state.step == "confirm"
    assert kept.state.data["description"] == "a rash"
    assert "can't pass on voice notes" in kept.messages[0].text
    assert "What's wrong: a rash" in kept.messages[-1].text
