"""Changing one answer, keeping it, branching, resuming a form put aside and an old Cancel,
against the engine with no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations import engine
from conversations.changing import KEEP, PICK
from conversations.engine import Choose, Data, Flow, FreeText, Option, Step, Turn, confirm_step
from conversations.flows.illness import ILLNESS
from conversations.inputs import Answer, Problem

TWO_CHILDREN = {"children": [["11", "A.B."], ["12", "D.E."]]}
DESCRIBED = "description"


def _kinds(_: Data) -> Sequence[Option]:
    return [Option("bottle", "Bottle"), Option("meal", "Solid food")]


FEED = Flow(
    name="feed",
    title="the feed",
    steps=(
        Step(
            name="kind",
            ask=lambda _: "Bottle or solid food?",
            expects=Choose(_kinds),
            save_as="kind",
            next=lambda d: "bottle" if d["kind"] == "bottle" else "meal",
            label="Feed",
        ),
        Step(
            name="bottle",
            ask=lambda _: "How much milk?",
            expects=FreeText(),
            save_as="bottle",
            next=lambda _: "nappy",
            label="Milk",
        ),
        Step(name="meal", ask=lambda _: "What did they eat?", expects=FreeText(), save_as="meal"),
        Step(name="nappy", ask=lambda _: "Last nappy?", expects=FreeText(), save_as="nappy"),
        confirm_step(lambda d: f"Check: {d}", send_label="Send"),
    ),
)


def go(flow: Flow, turn: Turn, *, text: str | None = None, button: str | None = None) -> Turn:
    assert turn.state is not None
    return engine.advance(flow, turn.state, text=text, button=button, nonce="n9")


def labels(turn: Turn) -> list[str]:
    return [b.text for row in turn.messages[-1].keyboard for b in row]


def keys(turn: Turn) -> list[str]:
    out = []
    for row in turn.messages[-1].keyboard:
        for button in row:
            parsed = engine.parse_flow_button(button.data)
            assert parsed is not None
            out.append(parsed[1])
    return out


def at_illness_summary() -> Turn:
    turn = engine.start_flow(ILLNESS, TWO_CHILDREN, "n1")
    turn = go(ILLNESS, turn, button="12")
    turn = go(ILLNESS, turn, button="yes")
    return go(ILLNESS, turn, text="a cough since last night")


def test_change_lists_the_answers_given_as_buttons() -> None:
    turn = go(ILLNESS, at_illness_summary(), button=engine.CHANGE)
    assert turn.state is not None and turn.state.step == PICK
    assert "Which answer" in turn.messages[-1].text
    assert labels(turn)[:3] == [
        "Child: D.E.",
        "Could be catching: Yes",
        "What's wrong: a cough since last night",
    ]
    assert keys(turn) == ["child", "contagious", "description", engine.BACK, engine.CANCEL]


def test_changing_one_answer_keeps_the_others_and_returns_to_the_summary() -> None:
    turn = go(ILLNESS, go(ILLNESS, at_illness_summary(), button=engine.CHANGE), button="child")
    assert turn.state is not None and turn.state.step == "child"
    assert turn.chosen_label == "Child: D.E."
    assert "Your answer now: D.E." in turn.messages[-1].text and KEEP in keys(turn)
    turn = go(ILLNESS, turn, button="11")
    assert turn.state is not None and turn.state.step == "confirm"  # not through the questions
    assert turn.state.return_to is None
    summary = turn.messages[-1].text
    assert "Child: A.B." in summary and "a cough since last night" in summary
    done = go(ILLNESS, turn, button=engine.SEND)
    assert done.finished is not None
    assert (done.finished["child"], done.finished["contagious"]) == ("11", "yes")
    assert done.finished["description"] == "a cough since last night"


def test_keep_leaves_the_answer_as_it_was() -> None:
    turn = go(ILLNESS, go(ILLNESS, at_illness_summary(), button=engine.CHANGE), button=DESCRIBED)
    kept = go(ILLNESS, turn, button=KEEP)
    assert kept.state is not None and kept.state.step == "confirm"
    assert kept.state.data["description"] == "a cough since last night"
    assert kept.chosen_label == "a cough since last night"


def test_a_changed_answer_can_be_typed() -> None:
    turn = go(ILLNESS, go(ILLNESS, at_illness_summary(), button=engine.CHANGE), button=DESCRIBED)
    changed = go(ILLNESS, turn, text="sick twice this morning")
    assert changed.state is not None and changed.state.step == "confirm"
    assert "What's wrong: sick twice this morning" in changed.messages[-1].text


def test_back_from_the_list_of_answers_is_the_summary() -> None:
    back = go(ILLNESS, go(ILLNESS, at_illness_summary(), button=engine.CHANGE), button=engine.BACK)
    assert back.state is not None and back.state.step == "confirm"


def test_a_branch_changed_asks_only_the_question_it_now_needs() -> None:
    turn = engine.start_flow(FEED, {}, "n1")
    turn = go(FEED, turn, button="bottle")
    turn = go(FEED, turn, text="150 ml")
    turn = go(FEED, turn, text="9:15")
    assert turn.state is not None and turn.state.step == "confirm"
    turn = go(FEED, go(FEED, turn, button=engine.CHANGE), button="kind")
    turn = go(FEED, turn, button="meal")
    assert turn.state is not None and turn.state.step == "meal"  # needed now, so asked
    turn = go(FEED, turn, text="toast")
    assert turn.state is not None and turn.state.step == "confirm"  # the nappy answer is kept
    assert turn.state.data["nappy"] == "9:15" and turn.state.data["meal"] == "toast"
    assert turn.state.history == ("kind", "meal", "nappy")
    listed = labels(go(FEED, turn, button=engine.CHANGE))
    assert "Milk: 150 ml" not in listed  # not on this branch: not offered
    assert "meal: toast" in listed and "nappy: 9:15" in listed


def test_a_branch_changed_back_finds_its_earlier_answer() -> None:
    turn = engine.start_flow(FEED, {}, "n1")
    for text, button in ((None, "bottle"), ("150 ml", None), ("9:15", None)):
        turn = go(FEED, turn, text=text, button=button)
    turn = go(FEED, go(FEED, turn, button=engine.CHANGE), button="kind")
    turn = go(FEED, go(FEED, turn, button="meal"), text="toast")
    turn = go(FEED, go(FEED, turn, button=engine.CHANGE), button="kind")
    turn = go(FEED, turn, button="bottle")
    assert turn.state is not None and turn.state.step == "confirm"  # 150 ml was never lost
    assert turn.state.history == ("kind", "bottle", "nappy")


def test_a_state_put_aside_resumes_at_its_question_with_its_answers() -> None:
    turn = go(ILLNESS, engine.start_flow(ILLNESS, TWO_CHILDREN, "n1"), button="11")
    assert turn.state is not None
    resumed = replace(turn.state, nonce="fresh")
    prompt = engine.current_prompt(ILLNESS, resumed)
    assert "pass it on" in prompt.text
    assert all("fresh" in b.data or "n1" in b.data for row in prompt.keyboard for b in row)
    turn = engine.advance(ILLNESS, resumed, text=None, button="no", nonce="n3")
    turn = go(ILLNESS, turn, text="a rash")
    assert turn.state is not None and "Child: A.B." in turn.messages[-1].text


def test_every_cancel_of_a_conversation_carries_its_tag() -> None:
    first = engine.start_flow(ILLNESS, TWO_CHILDREN, "tag1")
    later = go(ILLNESS, go(ILLNESS, first, button="11"), button="yes")
    cancels = {
        b.data
        for turn in (first, later)
        for row in turn.messages[-1].keyboard
        for b in row
        if b.text == "✖ Leave this form"
    }
    assert cancels == {"f:tag1:cancel"}


def test_input_kinds_share_one_protocol() -> None:
    choose = Choose(_kinds)
    assert choose.accept_press("meal", {}) == Answer("meal", "Solid food")
    assert choose.accept_text("2", {}) == Answer("meal", "Solid food")
    assert isinstance(choose.accept_text("soup", {}), Problem)
    text = FreeText(max_length=5, shortcuts=(Option("none", "None"),))
    assert text.accept_press("none", {}) == Answer("none", "None")
    assert isinstance(text.accept_text("far too long", {}), Problem)
    assert text.describe("none", {}) == "None" and text.describe("tea", {}) == "tea"
    assert isinstance(text.accept_media("photo", "", {}), Problem)
    assert text.accept_media("photo", "milk", {}) == Answer("milk", "milk")


changes = st.one_of(
    st.tuples(st.text(max_size=80), st.none()),
    st.tuples(
        st.none(),
        st.sampled_from(
            ["11", "12", "yes", "no", "send", "change", "child", "contagious", "description",
             KEEP, engine.BACK, "99", ""]
        ),
    ),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(changes, max_size=16))
def test_any_changes_never_raise_and_never_lose_an_answer(
    inputs: list[tuple[str | None, str | None]],
) -> None:
    turn = at_illness_summary()
    for text, button in inputs:
        if turn.state is None:
            break
        before = turn.state.data
        turn = engine.advance(ILLNESS, turn.state, text=text, button=button, nonce="n1")
        assert turn.messages or turn.finished is not None
        after = turn.state.data if turn.state is not None else turn.finished
        assert after is not None
        for name in ("child", "contagious", "description"):
            assert after.get(name) is not None, name  # changed maybe, never dropped
        assert set(before) <= set(after)
