"""What a runtime makes of a message: control characters out at the edge, media named."""

from __future__ import annotations

from typing import Any

from bot.gateway import clean_text, event_from_update


def _message(**fields: Any) -> dict[str, Any]:
    return {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "from": {"id": 42, "first_name": "Test\x00er"},
            "chat": {"id": 42, "type": "private"},
            "date": 0,
            **fields,
        },
    }


def test_control_characters_go_but_newlines_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x1b[0m\r\nc\td\x7f") == "ab[0m\nc\td"
    assert clean_text("plain words") == "plain words"


def test_a_typed_nul_never_reaches_the_core() -> None:
    event = event_from_update(_message(text="feeling\x00 unwell\nsince Monday"))
    assert event is not None
    assert event.text == "feeling unwell\nsince Monday" and event.first_name == "Tester"
    assert event.media is None


def test_a_photo_is_named_and_its_caption_is_the_text() -> None:
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    event = event_from_update(_message(photo=photo, caption="bruise on arm, see photo"))
    assert event is not None and event.media == "photo"
    assert event.text == "bruise on arm, see photo"
    voice = event_from_update(_message(voice={"file_id": "v", "file_unique_id": "u"}))
    assert voice is not None and voice.media == "voice" and voice.text == ""
