"""The sandbox page's guided tours: a few steps each, through what the demo data allows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tour:
    """One short walk through a flow, naming whose chat to use at each step."""

    title: str
    steps: tuple[str, ...]


TOURS = (
    Tour(
        "As the worker, raise an alert and don't acknowledge it — "
        "move the clock and watch it climb",
        (
            "In Wren's chat (worker), send /alert: the session under way at Coffee Hall is "
            "already chosen.",
            "Tap a severity, for example Urgent concern, then Send now.",
            "Sol (senior, on site at Coffee Hall 08:00–18:00) is pinged at once; in the evening "
            "and at night it is Morgan (manager, on call). Don't acknowledge.",
            "Press +15 min on the clock: the alert climbs to the next level, Morgan (manager) "
            "and Cora (coordinator), and Wren is told each time.",
            "In Morgan's chat tap Acknowledge: Wren reads who has it; then Resolve with an "
            "outcome.",
        ),
    ),
    Tour(
        "As the carer, book a pre-visit",
        (
            "In Casey's chat (carer), send /previsit.",
            "Pick Coffee Hall, a day and a free time, then which child (or all of them).",
            "Answer or skip the questions about routine, school and clubs, then confirm.",
            "Casey gets the booking with a calendar file to download; Sol (senior at Coffee "
            "Hall) and Cora (coordinator) are told, and /previsits lists it for them.",
        ),
    ),
    Tour(
        "As the carer, report a child ill with something catching — see which sessions go",
        (
            "In Casey's chat, send /illness and pick A.E.",
            "Choose which of the coming sessions it affects, then Yes: it could be catching.",
            "Say what's wrong in a few words and send.",
            "Casey reads which sessions are off; Wren, Cora and Sam (social worker) are told.",
        ),
    ),
    Tour(
        "As the worker, run a session and send the report",
        (
            "In Wren's chat, send /today: the session under way at Coffee Hall (DEMO-S1) comes "
            "first, with a tap for each arrival.",
            "On that card tap Parent arrived, Child arrived and Started; then /note to write "
            "what you see.",
            "End the session from the note's confirmation (or /endsession).",
            "Tap Review the report (or send /report), read it through and tap Submit: Sam "
            "(social worker) and Cora (coordinator) get the PDF, and nobody else.",
            "Send /returncard and answer each question: Casey gets the return card.",
        ),
    ),
)
