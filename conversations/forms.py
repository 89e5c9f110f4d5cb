"""A flow declared as data: its steps, where a person is in it, and what one input did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conversations.inputs import Data, InputKind
from handlers.delivery.chat import SendMessage

FINISH = "__finish__"


@dataclass(frozen=True)
class Step:
    """One question: what it asks, what it accepts, where the answer goes and what comes next.

    `label` names the answer in the list a person picks from to change one (e.g. "Medicine").
    """

    name: str
    ask: Callable[[Data], str]
    expects: InputKind
    save_as: str
    next: Callable[[Data], str] | None = None
    label: str = ""


@dataclass(frozen=True)
class Flow:
    """A named list of steps; step names are stored, so they never change.

    `asks_to_resume`: starting it again while one is put aside offers Carry on / Start again;
    when False (an alert: never held up), the new one starts at once and replaces the old.
    """

    name: str
    title: str
    steps: tuple[Step, ...]
    asks_to_resume: bool = True

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
    """Where a person is: the flow, the step, answers so far and the way back.

    `tag` is fixed for the whole conversation (so an old Cancel button still cancels it);
    `return_to` is the summary to go back to once an answer being changed is given.
    """

    flow: str
    step: str
    data: dict[str, Any]
    history: tuple[str, ...] = ()
    nonce: str = ""
    tag: str = ""
    return_to: str | None = None


@dataclass(frozen=True)
class Turn:
    """The result of one input: the new state (None when over), messages, and finished answers.

    `chosen_label` is the answer in words when the input answered the question, so the
    question's message can show it once its buttons are gone.
    """

    state: FlowState | None
    messages: tuple[SendMessage, ...] = ()
    finished: dict[str, Any] | None = None
    is_cancelled: bool = False
    chosen_label: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
