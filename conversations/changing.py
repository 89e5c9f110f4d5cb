"""Check and change: a form's summary, the list of answers to change one, and the way back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from conversations.forms import FINISH, Flow, FlowState, Step
from conversations.inputs import Choose, Data, Option

SEND, CHANGE = "send", "change"
# Not a step of any flow (flow steps never start with "__"), so it can't collide with one.
PICK = "__change__"
KEEP = "~keep"  # the Keep button of a question asked again; option keys never start with "~"
_SHOWN = 28  # characters of an answer shown on its button in the list


def confirm_step(summary: Callable[[Data], str], *, send_label: str) -> Step:
    """A form's last step: show the answers, then send, or pick one answer to change."""
    return Step(
        name="confirm",
        ask=summary,
        expects=Choose(lambda _: [Option(SEND, send_label), Option(CHANGE, "✏️ Change something")]),
        save_as="confirm",
        next=lambda data: FINISH if data["confirm"] == SEND else PICK,
    )


def pick_step(flow: Flow, state: FlowState) -> Step:
    """The answers given so far, one button each; the last step in history is the summary."""

    def answers(data: Data) -> Sequence[Option]:
        options = []
        for name in state.history[:-1]:
            step = flow.step(name)
            if step is None or step.save_as not in data:
                continue
            said = step.expects.describe(data[step.save_as], data) or "?"
            short = said if len(said) <= _SHOWN else f"{said[: _SHOWN - 1]}…"
            options.append(Option(name, f"{step.label or step.name}: {short}"))
        return options

    return Step(
        name=PICK,
        ask=lambda _: "Which answer would you like to change?",
        expects=Choose(answers),
        save_as=PICK,
    )


def reopen(state: FlowState, name: str) -> FlowState:
    """Go back to one answered question; once it is answered, return to the summary."""
    index = state.history.index(name)
    summary = state.history[-1]
    return replace(state, step=name, history=state.history[:index], return_to=summary)
