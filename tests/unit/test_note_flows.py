"""The note flow against the engine, with no I/O: which text is kept, with which kind."""

from __future__ import annotations

from typing import Any

from conversations import engine
from conversations.flows.notes import NOTE, chosen_kind, note_text
from storage.models import NoteKind

NOW = {
    "sessions": [["5", "S0 09:30 · F.G. (CH3)"]],
    "opinion_words": ["seemed", "angry"],
}


def _run(*inputs: tuple[str | None, str | None]) -> dict[str, Any]:
    """Start the note flow and give it (text, button) inputs; returns the finished answers."""
    turn = engine.start_flow(NOTE, NOW, "n0")
    for number, (text, button) in enumerate(inputs, start=1):
        assert turn.state is not None, turn
        turn = engine.advance(NOTE, turn.state, text=text, button=button, nonce=f"n{number}")
    assert turn.finished is not None, [m.text for m in turn.messages]
    return turn.finished


def test_a_kind_tapped_then_the_note() -> None:
    done = _run((None, "said"), ("I missed you", None))
    assert (chosen_kind(done), note_text(done)) == (NoteKind.SAID, "I missed you")


def test_a_note_typed_first_keeps_its_words_while_the_kind_is_asked() -> None:
    done = _run(("Dad arrived late", None), (None, "observed"))
    assert (chosen_kind(done), note_text(done)) == (NoteKind.OBSERVED, "Dad arrived late")


def test_a_typed_kind_word_is_a_note_not_a_tap() -> None:
    done = _run(("said", None), (None, "view"))
    assert (chosen_kind(done), note_text(done)) == (NoteKind.VIEW, "said")


def test_a_reported_note_asks_who_said_it_either_way() -> None:
    tapped = _run((None, "reported"), ("the child", None), ("mum bought shoes", None))
    assert (tapped["source"], note_text(tapped)) == ("the child", "mum bought shoes")
    typed = _run(("mum bought shoes", None), (None, "reported"), ("the child", None))
    assert (typed["source"], note_text(typed)) == ("the child", "mum bought shoes")


def test_a_rewrite_after_the_nudge_replaces_the_text_and_keep_leaves_it() -> None:
    rewritten = _run(
        (None, "observed"), ("Mum seemed angry", None), (None, "rewrite"), ("Mum shouted", None)
    )
    assert note_text(rewritten) == "Mum shouted"
    kept = _run(("Mum seemed angry", None), (None, "observed"), (None, "keep"))
    assert note_text(kept) == "Mum seemed angry"


def test_only_an_observed_note_is_nudged() -> None:
    done = _run((None, "view"), ("Mum seemed angry", None))
    assert "nudge" not in done and note_text(done) == "Mum seemed angry"
