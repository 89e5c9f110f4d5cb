"""Every outgoing message fits Telegram's limits: long text is split or trimmed, never lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.delivery.chat import MAX_TEXT_CHARS, AnswerButton, Button, EditMessage, SendMessage
from handlers.delivery.message_limits import MAX_PARTS, SEE_EXPORT, fit_delivery, split_text

KEYBOARD = ((Button("📄 Details", "a:1:det"),),)


def test_a_long_message_is_split_at_lines_with_the_buttons_on_the_last_part() -> None:
    lines = [f"  10:{i % 60:02d}:00 step number {i}" for i in range(400)]
    parts = fit_delivery(SendMessage("\n".join(lines), KEYBOARD, protect_content=True))
    assert len(parts) > 1
    assert all(isinstance(p, SendMessage) and len(p.text) <= MAX_TEXT_CHARS for p in parts)
    assert all(p.protect_content for p in parts if isinstance(p, SendMessage))
    assert [p.keyboard for p in parts if isinstance(p, SendMessage)][-1] == KEYBOARD
    assert all(not p.keyboard for p in parts[:-1] if isinstance(p, SendMessage))
    joined = "\n".join(p.text for p in parts if isinstance(p, SendMessage))
    assert all(line.strip() in joined for line in lines)  # nothing lost


def test_past_the_last_part_the_text_is_trimmed_with_a_pointer_to_the_export() -> None:
    parts = split_text("x " * (MAX_TEXT_CHARS * MAX_PARTS))
    assert len(parts) == MAX_PARTS and parts[-1].endswith(SEE_EXPORT)
    assert all(len(p) <= MAX_TEXT_CHARS for p in parts)


def test_an_edit_and_a_button_notice_are_trimmed() -> None:
    (edit,) = fit_delivery(EditMessage(5, "y" * 5000, KEYBOARD))
    assert isinstance(edit, EditMessage) and len(edit.text) <= MAX_TEXT_CHARS
    assert edit.text.endswith(SEE_EXPORT) and edit.keyboard == KEYBOARD
    (notice,) = fit_delivery(AnswerButton("cb", "z" * 300))
    assert isinstance(notice, AnswerButton) and notice.text and len(notice.text) <= 200


@given(st.text(max_size=20000))
def test_any_text_fits(text: str) -> None:
    assert all(len(part) <= MAX_TEXT_CHARS for part in split_text(text))
    short = SendMessage(text[:MAX_TEXT_CHARS])
    assert fit_delivery(short) == [short]
