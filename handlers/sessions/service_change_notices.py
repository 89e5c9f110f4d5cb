"""What a change by the service to a session says: the facts before and after, and the words
for the carers (their own times when they must not meet the parent) and for the workers (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.service.context import span_words
from handlers.sessions.no_meet import carer_span, has_carer_times
from storage.models import Session, SessionStatus


@dataclass(frozen=True)
class SessionFacts:
    """What a carer or worker relies on about a session, to compare before and after."""

    starts_at: datetime
    ends_at: datetime
    venue_code: str
    room: str | None
    worker_id: int | None
    status: str
    # Set only when the carer keeps their own times (parent and carer must not meet).
    carer_arrives_at: datetime | None = None
    carer_leaves_at: datetime | None = None

    @classmethod
    def of(cls, booked: Session) -> SessionFacts:
        """The facts of a session as it stands."""
        return cls(
            booked.starts_at,
            booked.ends_at,
            booked.venue_code,
            booked.room,
            booked.worker_id,
            booked.status,
            *(carer_span(booked) if has_carer_times(booked) else (None, None)),
        )


@dataclass(frozen=True)
class Change:
    """A session's facts before and after, and what the words for them are."""

    before: SessionFacts
    after: SessionFacts

    @property
    def is_time_changed(self) -> bool:
        return (self.before.starts_at, self.before.ends_at) != (
            self.after.starts_at,
            self.after.ends_at,
        )

    @property
    def is_carer_time_changed(self) -> bool:
        """Whether the carer's own times (parent and carer must not meet) were set, moved or
        dropped, whether or not the session's own times moved."""
        return (self.before.carer_arrives_at, self.before.carer_leaves_at) != (
            self.after.carer_arrives_at,
            self.after.carer_leaves_at,
        )

    @property
    def is_place_changed(self) -> bool:
        return (self.before.venue_code, self.before.room) != (
            self.after.venue_code,
            self.after.room,
        )

    @property
    def is_worker_changed(self) -> bool:
        return self.before.worker_id != self.after.worker_id

    @property
    def is_cancelled(self) -> bool:
        return (
            self.after.status == SessionStatus.CANCELLED and self.before.status != self.after.status
        )

    @property
    def is_back_on(self) -> bool:
        return self.before.status == SessionStatus.CANCELLED and self.after.status == (
            SessionStatus.SCHEDULED
        )

    @property
    def is_worth_telling(self) -> bool:
        """Whether anyone needs telling: not of a status moving to completed (the service's
        own), nor of details changing on a session that stays cancelled."""
        if self.before.status == self.after.status == SessionStatus.CANCELLED:
            return False
        return (
            self.is_time_changed
            or self.is_carer_time_changed
            or self.is_place_changed
            or self.is_worker_changed
            or self.is_cancelled
            or self.is_back_on
        )


@dataclass(frozen=True)
class Notice:
    """The words of one change, as everyone told reads them (old → new)."""

    change: Change
    zone: ZoneInfo
    places: tuple[str, str]  # before, after
    workers: tuple[str, str]  # the workers' first names, before and after ("" for none)

    @property
    def when(self) -> str:
        return span_words(self.change.after.starts_at, self.change.after.ends_at, self.zone)

    def carer_span_words(self, facts: SessionFacts) -> str:
        """The time a carer is given: their own when they must not meet the parent."""
        if facts.carer_arrives_at is None or facts.carer_leaves_at is None:
            return span_words(facts.starts_at, facts.ends_at, self.zone)
        own = span_words(facts.carer_arrives_at, facts.carer_leaves_at, self.zone)
        return f"{own} (your own times)"

    def _own(self, facts: SessionFacts) -> str:
        """The carer's own times as staff read them, or that they keep the session's."""
        if facts.carer_arrives_at is None or facts.carer_leaves_at is None:
            return "the session's"
        return span_words(facts.carer_arrives_at, facts.carer_leaves_at, self.zone)

    def lines(self, *, is_for_carer: bool = False) -> list[str]:
        """One line for each thing that changed."""
        before, after = self.change.before, self.change.after
        lines = []
        if is_for_carer:
            old, new = self.carer_span_words(before), self.carer_span_words(after)
            if old != new:
                lines.append(f"Time: {old} → {new}")
        else:
            if self.change.is_time_changed:
                old = span_words(before.starts_at, before.ends_at, self.zone)
                lines.append(f"Time: {old} → {self.when}")
            if self.change.is_carer_time_changed:
                lines.append(f"Carer's times: {self._own(before)} → {self._own(after)}")
        if self.change.is_place_changed:
            lines.append(f"Where: {self.places[0]} → {self.places[1]}")
        if self.change.is_worker_changed:
            lines.append(
                f"Worker: {self.workers[0] or 'none named'} → "
                f"{self.workers[1] or 'to be confirmed'}"
            )
        return lines

    @property
    def is_news_for_carer(self) -> bool:
        """Whether a carer has anything to hear: not when only the parent's side moved around
        the carer's own times (parent and carer must not meet)."""
        change = self.change
        return change.is_cancelled or change.is_back_on or bool(self.lines(is_for_carer=True))

    def for_carer(self, initials: str, office_phone: str) -> str:
        """One message to a carer about their children's session."""
        when = self.carer_span_words(self.change.after)
        if self.change.is_cancelled:
            return (
                f"❌ The service has cancelled the session for {initials} on {when} at "
                f"{self.places[1]}. Please don't come in for it.\n"
                "If you have questions about it, please ask the children's social worker or "
                f"the office on {office_phone}."
            )
        if self.change.is_back_on:
            head = f"✅ The session for {initials} on {when} at {self.places[1]} is back on."
            return "\n".join([head, *self.lines(is_for_carer=True)])
        worker = f", with {self.workers[1]}" if self.workers[1] else ""
        return "\n".join(
            [
                f"🔁 The service has changed the session for {initials}:",
                *self.lines(is_for_carer=True),
                f"It is now {when} at {self.places[1]}{worker}.",
                f"Questions: the office on {office_phone}.",
            ]
        )

    def for_workers(self, booked: Session, labels: str) -> dict[int, str]:
        """The worker's message, by person: the old and new one each their own on a handover."""
        before, after = self.change.before, self.change.after
        told: dict[int, str] = {}
        ref = f"Session {booked.ref}"
        if self.change.is_worker_changed and before.worker_id is not None:
            old = span_words(before.starts_at, before.ends_at, self.zone)
            told[before.worker_id] = (
                f"↪️ {ref} ({old}, {self.places[0]}) is no longer yours: the service has given "
                "it to another worker."
            )
        if after.worker_id is None:
            return told
        if self.change.is_cancelled:
            if not self.change.is_worker_changed:
                told[after.worker_id] = (
                    f"❌ {ref} ({self.when}, {self.places[1]}) is cancelled by the service."
                )
            return told
        if self.change.is_worker_changed:
            told[after.worker_id] = "\n".join(
                [
                    f"🗓 You now have session {booked.ref}: {self.when}, {self.places[1]}.",
                    f"Children: {labels}",
                    f"Supervision: {booked.supervision_level or 'not recorded'}",
                    "Please review the family's needs and risks before you start.",
                ]
            )
            return told
        head = f"✅ {ref} is back on." if self.change.is_back_on else f"🔁 {ref} has changed:"
        told[after.worker_id] = "\n".join(
            [head, *self.lines(), f"Now: {self.when}, {self.places[1]}. Children: {labels}"]
        )
        return told
