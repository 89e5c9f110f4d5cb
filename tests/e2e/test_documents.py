"""A file (a calendar file) goes out through the outbox on both runtimes, whole and in order."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from handlers.delivery.chat import Button, SendDocument, SendMessage
from handlers.delivery.outbox import queue_delivery
from handlers.service.calendar_files import CalendarEvent, calendar_file
from tests.e2e.fixtures import CARER
from tests.e2e.harness import Harness


async def test_a_calendar_file_reaches_the_chat_whole_with_its_caption_and_buttons(
    harness: Harness,
) -> None:
    h = harness
    await h.link(CARER, "C1")
    h.unread(CARER)
    event = CalendarEvent(
        uid="previsit-1@familytime.test",
        starts_at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
        summary="Pre-visit",
        location="Coffee Hall",
    )
    content = calendar_file([event], ZoneInfo(h.config.timezone), stamped_at=h.clock.now())
    async with h.db.unit_of_work() as uow:
        await queue_delivery(
            uow,
            SendMessage("Here is your calendar file."),
            now=h.clock.now(),
            chat_id=CARER,
            dedupe_key="test:doc:intro",
        )
        await queue_delivery(
            uow,
            SendDocument(
                "previsit.ics",
                content,
                caption="Add it to your calendar.",
                keyboard=((Button("OK", "m:help"),),),
            ),
            now=h.clock.now(),
            chat_id=CARER,
            dedupe_key="test:doc:file",
        )
    assert h.app is not None
    h.app.dispatcher.wake()
    await h.settle()

    intro, document = h.unread(CARER)
    assert intro.text == "Here is your calendar file."
    assert document.document is not None and document.document.file_name == "previsit.ics"
    assert document.document.content == content
    assert document.text == "Add it to your calendar."
    assert [label for label, _ in document.buttons] == ["OK"]
    (parsed,) = Calendar.from_ical(document.document.content).walk("VEVENT")
    assert str(parsed["summary"]) == "Pre-visit"
    h.assert_no_unexpected_messages()
