"""Date and time pickers: input kinds that offer the days and times a flow's data holds.

They read `data[offer]`, `{place: {"YYYY-MM-DD": ["HH:MM", ...]}}`, and `data[today]`; the flow
gathers both again before each input (its FlowSpec's `refresh`), so a picker offers what is free
when it is drawn, not when the flow started. Keys are the ISO day or the time, short and opaque.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from conversations.inputs import Answer, Data, Option, OptionRows, Problem, not_passed_on

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(?:[a-z]+\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*(?:\s+(\d{4}))?$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
PICK_DAY = "Please tap a day below, or type one like 14/12."
PICK_TIME = "Please tap a time below, or type one like 10:00."


def day_label(day: date) -> str:
    """A day on a button: 'Tue 8 Dec'."""
    return f"{day:%a} {day.day} {day:%b}"


def _offered(data: Data, place: str) -> dict[str, list[str]]:
    offer: dict[str, dict[str, list[str]]] = data.get("offer", {})
    return offer.get(str(data.get(place)), {})


def read_day(text: str, today: date) -> date | None:
    """A day typed as 14/12, 14/12/2026, 2026-12-14 or 14 Dec: without a year, the nearest
    one (so in December, 5/1 is next January and 1/12 is this month)."""
    typed = " ".join(text.strip().lower().replace(",", " ").split())
    year: int | None = None
    if found := _ISO.match(typed):
        year, month, day = (int(part) for part in found.groups())
    elif found := _NUMERIC.match(typed):
        day, month = int(found[1]), int(found[2])
        year = int(found[3]) if found[3] else None
        if year is not None and year < 100:
            year += 2000
    elif (found := _WORDS.match(typed)) and found[2] in _MONTHS:
        day, month = int(found[1]), _MONTHS.index(found[2]) + 1
        year = int(found[3]) if found[3] else None
    else:
        return None
    try:
        if year is not None:
            return date(year, month, day)
        this_year = date(today.year, month, day)
    except ValueError:
        return None
    if this_year < today - timedelta(days=183):
        try:
            return date(today.year + 1, month, day)
        except ValueError:  # 29 February
            return None
    return this_year


@dataclass(frozen=True)
class PickDay:
    """Pick one of the days offered at the place chosen (`data[place]`), two to a row."""

    place: str = "venue"

    def render(self, data: Data) -> tuple[str, OptionRows]:
        options = [Option(day, day_label(date.fromisoformat(day))) for day in self._days(data)]
        return "", tuple(tuple(options[i : i + 2]) for i in range(0, len(options), 2))

    def accept_press(self, key: str, data: Data) -> Answer | Problem:
        if key in self._days(data):
            return Answer(key, day_label(date.fromisoformat(key)))
        try:  # a day offered before the clock moved on is today now, or past
            day = date.fromisoformat(key)
        except ValueError:
            return Problem(f"That day is no longer free. {PICK_DAY}")
        if "today" in data and day <= date.fromisoformat(data["today"]):
            return _not_from_tomorrow(day, date.fromisoformat(data["today"]))
        return Problem(f"That day is no longer free. {PICK_DAY}")

    def accept_text(self, text: str, data: Data) -> Answer | Problem:
        today = date.fromisoformat(data["today"])
        day = read_day(text, today)
        days = self._days(data)
        if day is None:
            return Problem(PICK_DAY)
        if day.isoformat() in days:
            return Answer(day.isoformat(), day_label(day))
        if day <= today:
            return _not_from_tomorrow(day, today)
        if days and day > date.fromisoformat(days[-1]):
            return Problem(
                f"I can book only up to {day_label(date.fromisoformat(days[-1]))} for now; "
                "please pick a day below."
            )
        return Problem(
            f"There's no free pre-visit on {day_label(day)} (closed or fully booked); "
            "please pick a day below."
        )

    def accept_media(self, media: str, caption: str, data: Data) -> Answer | Problem:
        return Problem(f"{not_passed_on(media)} {PICK_DAY}")

    def auto_answer(self, data: Data) -> Answer | None:
        return None

    def describe(self, value: Any, data: Data) -> str | None:
        return day_label(date.fromisoformat(value)) if value in self._days(data) else None

    def _days(self, data: Data) -> list[str]:
        return sorted(_offered(data, self.place))


def _not_from_tomorrow(day: date, today: date) -> Problem:
    """A day that is today or past: pre-visits are booked from tomorrow on."""
    when = "is today" if day == today else "has passed"
    return Problem(f"{day_label(day)} {when}; please pick a day from tomorrow on below.")


@dataclass(frozen=True)
class PickTime:
    """Pick one of the free times on the day chosen (`data[day]`) at the place chosen."""

    place: str = "venue"
    day: str = "day"

    def render(self, data: Data) -> tuple[str, OptionRows]:
        options = [Option(t, t) for t in self._times(data)]
        return "", tuple(tuple(options[i : i + 3]) for i in range(0, len(options), 3))

    def accept_press(self, key: str, data: Data) -> Answer | Problem:
        if key in self._times(data):
            return Answer(key, key)
        return self._pick_another_day(data) or Problem(f"That time is no longer free. {PICK_TIME}")

    def accept_text(self, text: str, data: Data) -> Answer | Problem:
        if problem := self._pick_another_day(data):
            return problem
        found = _TIME.match(text.strip().lower())
        if found is None:
            return Problem(PICK_TIME)
        hour, minute = int(found[1]), int(found[2] or 0)
        if found[3] == "pm" and hour < 12:
            hour += 12
        typed = f"{hour:02d}:{minute:02d}"
        if typed in self._times(data):
            return Answer(typed, typed)
        return Problem(f"{typed} isn't free that day. {PICK_TIME}")

    def accept_media(self, media: str, caption: str, data: Data) -> Answer | Problem:
        return Problem(f"{not_passed_on(media)} {PICK_TIME}")

    def auto_answer(self, data: Data) -> Answer | None:
        return None

    def describe(self, value: Any, data: Data) -> str | None:
        return str(value) if value in self._times(data) else None

    def _times(self, data: Data) -> list[str]:
        return list(_offered(data, self.place).get(str(data.get(self.day)), []))

    def _pick_another_day(self, data: Data) -> Problem | None:
        """No time left on the day chosen (the clock moved on, or others booked them all):
        there is nothing below to tap, so point to Back."""
        if self._times(data) or self.day not in data:
            return None
        day = date.fromisoformat(data[self.day])
        today = date.fromisoformat(data["today"]) if "today" in data else None
        if today is not None and day <= today:
            when = "is today" if day == today else "has passed"
            return Problem(f"{day_label(day)} {when}; tap Back to pick a day from tomorrow on.")
        return Problem(f"No time is free on {day_label(day)} any more; tap Back for another day.")
