"""A small engine for flows declared as data; pure functions over a state, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from handlers.delivery.chat import MEDIA_WORDS, Button, SendMessage

FLOW_PREFIX = "f:"
BACK = "back"
CANCEL = "cancel"
FINISH = "__finish__"

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Option:
    """One answer a person can tap; `key` is short and opaque."""

    key: str
    label: str


@dataclass(frozen=True)
class Choose:
    """Pick one of some buttons (typing the label or its number also works)."""

    options: Callable[[Data], Sequence[Option]]
    skip_when_single: bool = False


@dataclass(frozen=True)
class FreeText:
    """A short typed answer, or one of a few shortcut buttons (e.g. "no note")."""

    max_length: int = 500
    example: str = ""
    shortcuts: tuple[Option, ...] = ()


Expects = Choose | FreeText


@dataclass(frozen=True)
class Step:
    """One question: what it asks, what it accepts, where the answer goes and what comes next."""

    name: str
    ask: Callable[[Data], str]
    expects: Expects
    save_as: str
    next: Callable[[Data], str] | None = None


SEND, CHANGE = "send", "change"


def confirm_step(summary: Callable[[Data], str], *, back_to: str, send_label: str) -> Step:
    """A form's last step: show the answers, then send, or go back to the first question."""
    return Step(
        name="confirm",
        ask=summary,
        expects=Choose(lambda _: [Option(SEND, send_label), Option(CHANGE, "✏️ Change something")]),
        save_as="confirm",
        next=lambda data: FINISH if data["confirm"] == SEND else back_to,
    )


@dataclass(frozen=True)
class Flow:
    """A named list of steps; step names are stored, so they never change."""

    name: str
    title: str
    steps: tuple[Step, ...]

    def step(self, name: str) -> Step | None:
        """The step called `name`, if the flow still has it."""
        return next((s for s in self.steps if s.name == name), None)

    def after(self, step: Step, data: Data) -> str:
        """The name of the step that follows `step`, or FINISH."""
        if step.next is not None:
            return step.next(data)
        index = self.steps.index(step)
        return self.steps[index + 1].name if index + 1 < len(self.steps) else FINISH


@dataclass(frozen=True)
class FlowState:
    """Where a person is: the flow, the step, answers so far and the way back."""

    flow: str
    step: str
    data: dict[str, Any]
    history: tuple[str, ...] = ()
    nonce: str = ""


@dataclass(frozen=True)
class Turn:
    """The result of one input: the new state (None when over), messages, and finished answers."""

    state: FlowState | None
    messages: tuple[SendMessage, ...] = ()
    finished: dict[str, Any] | None = None
    is_cancelled: bool = False
    chosen_label: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def start_flow(flow: Flow, data: Data, nonce: str) -> Turn:
    """Begin a flow with prepared data; skips steps that have only one possible answer."""
    state = FlowState(flow.name, flow.steps[0].name, dict(data), (), nonce)
    return _arrive(flow, state, flow.steps[0])


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
    step = flow.step(state.step)
    if step is None:  # The flow changed under a stored conversation: start it again cleanly.
        return Turn(None, is_cancelled=True, notes=("step_missing",))
    state = replace(state, nonce=nonce)
    command = (text or "").strip().lower()
    if button == CANCEL or command == "/cancel":
        return Turn(None, is_cancelled=True)
    if button == BACK or command == "/back":
        return _go_back(flow, state)
    if media is not None and (isinstance(step.expects, Choose) or not command):
        return Turn(state, (_prompt(flow, step, state, _media_problem(step, media)),))
    answer, label, problem = _read_answer(step, state.data, text=text, button=button)
    if problem is not None:
        return Turn(state, (_prompt(flow, step, state, problem),))
    data = {**state.data, step.save_as: answer}
    moved = replace(state, data=data, history=(*state.history, step.name))
    turn = _go_to(flow, moved, flow.after(step, data))
    if media is not None:
        kept = SendMessage(f"{not_passed_on(media)} I've kept your caption as your answer.")
        turn = replace(turn, messages=(kept, *turn.messages))
    return replace(turn, chosen_label=label)


def not_passed_on(media: str) -> str:
    """One sentence: the bot can't pass this kind of thing on to anyone."""
    words = MEDIA_WORDS.get(media, "attachments")
    return f"I can't pass on {words}, so nobody will see it."


def _media_problem(step: Step, media: str) -> str:
    if isinstance(step.expects, Choose):
        return f"{not_passed_on(media)} Please tap one of the buttons below."
    return f"{not_passed_on(media)} Please type a few words about it instead."


def current_prompt(flow: Flow, state: FlowState, problem: str | None = None) -> SendMessage:
    """The question the person is on, asked again (after a stale button, say)."""
    step = flow.step(state.step)
    if step is None:
        raise LookupError(state.step)
    return _prompt(flow, step, state, problem)


def _go_to(flow: Flow, state: FlowState, name: str) -> Turn:
    if name == FINISH:
        return Turn(None, finished=dict(state.data))
    step = flow.step(name)
    if step is None:
        raise LookupError(f"flow {flow.name} has no step {name}")
    return _arrive(flow, replace(state, step=name), step)


def _arrive(flow: Flow, state: FlowState, step: Step) -> Turn:
    """Ask a step's question, or answer it at once when there is only one choice."""
    if isinstance(step.expects, Choose) and step.expects.skip_when_single:
        options = step.expects.options(state.data)
        if len(options) == 1:
            data = {**state.data, step.save_as: options[0].key}
            return _go_to(flow, replace(state, data=data), flow.after(step, data))
    return Turn(state, (_prompt(flow, step, state, None),))


def _go_back(flow: Flow, state: FlowState) -> Turn:
    """Return to the previous question; answers already given are kept."""
    if not state.history:
        return Turn(state, (current_prompt(flow, state, "This is the first question."),))
    previous = state.history[-1]
    back = replace(state, step=previous, history=state.history[:-1])
    return Turn(back, (current_prompt(flow, back),))


def _read_answer(
    step: Step, data: Data, *, text: str | None, button: str | None
) -> tuple[Any, str | None, str | None]:
    """The answer, its label, or a sentence saying what to do instead."""
    expects = step.expects
    if isinstance(expects, Choose):
        options = list(expects.options(data))
        if button is not None:
            match = next((o for o in options if o.key == button), None)
        else:
            typed = (text or "").strip().lower()
            match = next((o for o in options if o.label.lower() == typed), None)
            if match is None and typed.isdecimal() and 1 <= int(typed) <= len(options):
                match = options[int(typed) - 1]
        if match is None:
            return None, None, "Please tap one of the buttons below (or send /cancel to stop)."
        return match.key, match.label, None
    if button is not None:
        shortcut = next((o for o in expects.shortcuts if o.key == button), None)
        if shortcut is not None:
            return shortcut.key, shortcut.label, None
    if button is not None or text is None:
        return None, None, "Please type your answer as a message (or send /cancel to stop)."
    answer = " ".join(text.split())
    if not answer or answer.startswith("/"):
        return None, None, "Please type a few words as your answer (or send /cancel to stop)."
    if len(answer) > expects.max_length:
        return (
            None,
            None,
            (
                f"That's {len(answer)} characters; please send a shorter version "
                f"(up to {expects.max_length})."
            ),
        )
    return answer, None, None


def _prompt(flow: Flow, step: Step, state: FlowState, problem: str | None) -> SendMessage:
    """The question with its buttons, plus Back and Cancel, all tied to the current nonce."""
    text = step.ask(state.data)
    if problem:
        text = f"{problem}\n\n{text}"
    rows: list[tuple[Button, ...]] = []
    if isinstance(step.expects, Choose):
        rows += [(_button(state.nonce, o.key, o.label),) for o in step.expects.options(state.data)]
    else:
        rows += [(_button(state.nonce, o.key, o.label),) for o in step.expects.shortcuts]
        if step.expects.example:
            text = f"{text}\nFor example: {step.expects.example}"
    controls = [_button(state.nonce, CANCEL, "✖ Cancel")]
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
