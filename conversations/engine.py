"""A small engine for flows declared as data; pure functions over a state, no I/O."""

from __future__ import annotations

from dataclasses import replace

from conversations.changing import CHANGE, KEEP, PICK, SEND, confirm_step, pick_step, reopen
from conversations.forms import FINISH, Flow, FlowState, Step, Turn
from conversations.inputs import (
    Answer,
    Choose,
    Data,
    FreeText,
    InputKind,
    Option,
    Problem,
    not_passed_on,
)
from handlers.delivery.chat import Button, SendMessage

__all__ = [
    "BACK",
    "CANCEL",
    "CHANGE",
    "FINISH",
    "KEEP",
    "SEND",
    "Choose",
    "Data",
    "Flow",
    "FlowState",
    "FreeText",
    "InputKind",
    "Option",
    "Step",
    "Turn",
    "advance",
    "confirm_step",
    "current_prompt",
    "not_passed_on",
    "parse_flow_button",
    "start_flow",
]

FLOW_PREFIX = "f:"
BACK = "back"
CANCEL = "cancel"
# Leaving a form, on every question: never "Cancel", which a carer could read as calling a
# session off. Only the label; the stored button data (`CANCEL`) stays.
LEAVE_LABEL = "✖ Leave this form"


def start_flow(flow: Flow, data: Data, nonce: str) -> Turn:
    """Begin a flow with prepared data; skips steps that have only one possible answer."""
    first = flow.steps[0].name
    return _go_to(flow, FlowState(flow.name, first, dict(data), (), nonce, nonce), first)


def advance(
    flow: Flow,
    state: FlowState,
    *,
    text: str | None,
    button: str | None,
    nonce: str,
    media: str | None = None,
) -> Turn:
    """Apply one typed text or pressed button (already checked as current) to the state.

    `media` names a photo, voice note, ... that came with the text (its caption): the bot
    can't pass it on, so the person is told; a caption still answers a question asking for text.
    """
    step = step_named(flow, state, state.step)
    if step is None:  # The flow changed under a stored conversation: start it again cleanly.
        return Turn(None, is_cancelled=True, notes=("step_missing",))
    state = replace(state, nonce=nonce)
    command = (text or "").strip().lower()
    if button == CANCEL or command == "/cancel":
        return Turn(None, is_cancelled=True)
    if button == BACK or command == "/back":
        return _go_back(flow, state)
    result = _read(step, state, text=text, button=button, media=media)
    if isinstance(result, Problem):
        return Turn(state, (_prompt(step, state, result.text),))
    if step.name == PICK:  # ask the chosen question again, showing its answer and Keep
        again = reopen(state, result.value)
        return Turn(again, (current_prompt(flow, again),), chosen_label=result.label)
    data = {**state.data, step.save_as: result.value}
    moved = replace(state, data=data, history=(*state.history, step.name))
    turn = _go_to(flow, moved, flow.after(step, data))
    if media is not None:
        kept = SendMessage(f"{not_passed_on(media)} I've kept your caption as your answer.")
        turn = replace(turn, messages=(kept, *turn.messages))
    return replace(turn, chosen_label=result.label)


def step_named(flow: Flow, state: FlowState, name: str) -> Step | None:
    """A step of the flow, or the list of answers to change one."""
    return pick_step(flow, state) if name == PICK else flow.step(name)


def current_prompt(flow: Flow, state: FlowState, problem: str | None = None) -> SendMessage:
    """The question the person is on, asked again (after a stale button, say)."""
    step = step_named(flow, state, state.step)
    if step is None:
        raise LookupError(state.step)
    return _prompt(step, state, problem)


def _read(
    step: Step, state: FlowState, *, text: str | None, button: str | None, media: str | None
) -> Answer | Problem:
    """The answer this input gives, or why it doesn't give one."""
    kinds = step.expects
    if button == KEEP:
        kept = _current(step, state)
        if kept is not None:
            return kept
    if media is not None:
        return kinds.accept_media(media, text or "", state.data)
    if button is not None:
        return kinds.accept_press(button, state.data)
    return kinds.accept_text(text or "", state.data)


def _current(step: Step, state: FlowState) -> Answer | None:
    """The answer already given to a question being asked again, if it still fits."""
    if state.return_to is None or step.save_as not in state.data:
        return None
    value = state.data[step.save_as]
    label = step.expects.describe(value, state.data)
    return Answer(value, label) if label is not None else None


def _go_to(flow: Flow, state: FlowState, name: str) -> Turn:
    """Move on to a step and ask it; a step with one possible answer, or (while changing an
    answer) one already answered that still fits, is passed on the way, up to the summary."""
    passed: set[str] = set()
    while name != FINISH:
        if name == state.return_to:  # back at the summary
            state = replace(state, return_to=None)
        step = step_named(flow, state, name)
        if step is None:
            raise LookupError(f"flow {flow.name} has no step {name}")
        auto = step.expects.auto_answer(state.data)
        kept = _current(step, state) if name not in passed else None
        if auto is not None:
            state = replace(state, data={**state.data, step.save_as: auto.value})
        elif kept is not None:
            state = replace(state, history=(*state.history, name))
        else:
            here = replace(state, step=name)
            return Turn(here, (_prompt(step, here, None),))
        passed.add(name)
        name = flow.after(step, state.data)
    return Turn(None, finished=dict(state.data))


def _go_back(flow: Flow, state: FlowState) -> Turn:
    """Return to the previous question; answers already given are kept."""
    if not state.history:
        return Turn(state, (current_prompt(flow, state, "This is the first question."),))
    previous = state.history[-1]
    back = replace(state, step=previous, history=state.history[:-1])
    return Turn(back, (current_prompt(flow, back),))


def _prompt(step: Step, state: FlowState, problem: str | None) -> SendMessage:
    """The question with its buttons, plus Back and Leave this form, tied to the current nonce."""
    text = step.ask(state.data)
    if problem:
        text = f"{problem}\n\n{text}"
    suffix, options = step.expects.render(state.data)
    if suffix:
        text = f"{text}\n{suffix}"
    rows = [tuple(_button(state.nonce, o.key, o.label) for o in row) for row in options]
    current = _current(step, state)
    if current is not None:
        text = f"{text}\n\nYour answer now: {current.label}"
        rows.append((_button(state.nonce, KEEP, "✔ Keep this answer"),))
    # Cancel carries the conversation's tag, not the prompt's nonce: an old one still cancels.
    controls = [_button(state.tag or state.nonce, CANCEL, LEAVE_LABEL)]
    if state.history:
        controls.insert(0, _button(state.nonce, BACK, "◀ Back"))
    rows.append(tuple(controls))
    return SendMessage(text, keyboard=tuple(rows))


def _button(nonce: str, key: str, label: str) -> Button:
    return Button(label, f"{FLOW_PREFIX}{nonce}:{key}")


def parse_flow_button(data: str) -> tuple[str, str] | None:
    """Split flow button data into (nonce, key), or None if it is not a flow button."""
    if not data.startswith(FLOW_PREFIX):
        return None
    nonce, sep, key = data[len(FLOW_PREFIX) :].partition(":")
    return (nonce, key) if sep and nonce and key else None
