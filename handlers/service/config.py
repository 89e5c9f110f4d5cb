"""The council's service config (TOML): venues, hours, contacts, escalation and reminders."""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from handlers.service.config_model import Strict
from handlers.service.config_sessions import (
    Arrivals,
    Cancellation,
    Handover,
    Illness,
    MySessions,
    Notes,
    Reminders,
    Reports,
    Welfare,
)
from storage.alerts import Severity

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ServiceConfigError(ValueError):
    """The service config cannot be used; the message names the file and the field."""


class Contacts(Strict):
    """Public phone numbers; safe to give to anyone who messages the bot."""

    office_phone: str = Field(min_length=5)
    out_of_hours_phone: str = Field(min_length=3)
    office_email: str | None = None
    invite_help: str = Field(min_length=5)


class OpeningTimes(Strict):
    """One day's opening, local wall-clock time."""

    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningTimes:
        if self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class Hours(Strict):
    """When the office answers; outside these, people get the out-of-hours number."""

    monday: OpeningTimes | None = None
    tuesday: OpeningTimes | None = None
    wednesday: OpeningTimes | None = None
    thursday: OpeningTimes | None = None
    friday: OpeningTimes | None = None
    saturday: OpeningTimes | None = None
    sunday: OpeningTimes | None = None
    bank_holidays: Literal["england-and-wales", "scotland", "northern-ireland", "none"] = (
        "england-and-wales"
    )
    closed_dates: tuple[date, ...] = ()

    def on(self, weekday: int) -> OpeningTimes | None:
        """The opening times for a weekday (0 = Monday), or None when closed."""
        opening: OpeningTimes | None = getattr(self, WEEKDAYS[weekday])
        return opening


class Venue(Strict):
    """A place where family time happens."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field(min_length=1)
    address: str = ""
    parking: str = ""
    arrival: str = ""


class EscalationLevel(Strict):
    """One rung of the alert chain: who is pinged and how long before the next rung."""

    roles: tuple[str, ...] = Field(min_length=1)
    on_site_only: bool = False
    timeout_minutes: dict[Severity, float]

    @field_validator("timeout_minutes")
    @classmethod
    def _every_severity(cls, value: dict[Severity, float]) -> dict[Severity, float]:
        missing = set(Severity) - set(value)
        if missing:
            raise ValueError(f"needs a timeout for {', '.join(sorted(missing))}")
        if any(minutes <= 0 for minutes in value.values()):
            raise ValueError("timeouts must be more than zero minutes")
        return value


DEFAULT_LEVELS = (
    EscalationLevel(
        roles=("manager", "coordinator"),
        timeout_minutes={Severity.IMMEDIATE: 2, Severity.URGENT: 5, Severity.WORRY: 30},
    ),
)
DEFAULT_OUTCOMES = ("Advice given", "Social worker informed", "No further action")


class Escalation(Strict):
    """The safeguarding alert chain (used by the alerts feature)."""

    levels: tuple[EscalationLevel, ...] = Field(default=DEFAULT_LEVELS, min_length=1)
    repeat_minutes: float = Field(default=5, gt=0)
    resolve_reminder_minutes: float = Field(default=60, gt=0)
    outcomes: tuple[str, ...] = Field(default=DEFAULT_OUTCOMES, min_length=1)
    readiness_check: time = time(8, 0)
    late_after_seconds: float = Field(default=60, gt=0)
    session_margin_minutes: float = Field(default=30, ge=0)


class Watchdog(Strict):
    """When the bot counts as behind (health turns red, the coordinators are warned)."""

    unsent_minutes: float = Field(default=2, gt=0)
    escalation_late_seconds: float = Field(default=60, gt=0)
    warn_every_minutes: int = Field(default=15, ge=1)


class PrevisitVenue(Strict):
    """One venue's pre-visit slots, where they differ from the service's defaults."""

    slot_minutes: int | None = Field(default=None, ge=15, le=240)
    capacity: int | None = Field(default=None, ge=1, le=20)
    hours: Hours | None = None


class Previsits(Strict):
    """Pre-visit bookings: how far ahead, how long a slot, how many carers at once, and when.

    `hours` are the bookable hours (left out: the office hours); a day is offered only when the
    office is open too (so never on a bank holiday). `venues` overrides any of them per venue.
    """

    weeks_ahead: int = Field(default=3, ge=1, le=12)
    slot_minutes: int = Field(default=60, ge=15, le=240)
    capacity: int = Field(default=1, ge=1, le=20)
    hours: Hours | None = None
    venues: dict[str, PrevisitVenue] = Field(default_factory=dict)


class Retention(Strict):
    """How many days operational records are kept (the audit timeline is never purged).

    At least a week: an update id can come back from Telegram for a day, and a reminder's
    dedupe key matters for the two days it looks ahead.
    """

    inbox_days: int = Field(default=30, ge=7)
    outbox_days: int = Field(default=30, ge=7)
    # A pre-visit booking (with the routine, school and clubs a carer typed) after its day.
    previsit_days: int = Field(default=90, ge=7)
    # A sent session report's PDF (the record itself stays with the council's case system).
    report_days: int = Field(default=730, ge=30)


class ServiceConfig(Strict):
    """Everything a council sets for its Family Time service."""

    service_name: str = Field(min_length=1)
    timezone: str = "Europe/London"
    contacts: Contacts
    hours: Hours
    venues: tuple[Venue, ...] = Field(min_length=1)
    escalation: Escalation = Escalation()
    reminders: Reminders = Reminders()
    handover: Handover = Handover()
    illness: Illness = Illness()
    my_sessions: MySessions = MySessions()
    cancellation: Cancellation = Cancellation()
    arrivals: Arrivals = Arrivals()
    retention: Retention = Retention()
    previsits: Previsits = Previsits()
    watchdog: Watchdog = Watchdog()
    notes: Notes = Notes()
    reports: Reports = Reports()
    welfare: Welfare = Welfare()
    conversation_idle_minutes: int = Field(default=30, ge=1)
    # A form put aside (left idle, or for another one) is discarded after this, answers and all.
    put_aside_days: int = Field(default=7, ge=1, le=90)
    invite_valid_hours: int = Field(default=72, ge=1, le=24 * 30)
    bad_invite_attempts: int = Field(default=5, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("venues")
    @classmethod
    def _unique_codes(cls, value: tuple[Venue, ...]) -> tuple[Venue, ...]:
        codes = [venue.code for venue in value]
        if len(codes) != len(set(codes)):
            raise ValueError("venue codes must be unique")
        return value

    @model_validator(mode="after")
    def _previsit_venues_known(self) -> ServiceConfig:
        unknown = set(self.previsits.venues) - {venue.code for venue in self.venues}
        if unknown:
            raise ValueError(f"previsits.venues names unknown venues: {', '.join(sorted(unknown))}")
        return self


def load_service_config(path: Path) -> ServiceConfig:
    """Read and check a service config file; any problem names the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ServiceConfigError(f"{path}: cannot read the file ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ServiceConfigError(f"{path}: not valid TOML ({exc})") from exc
    try:
        return ServiceConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ServiceConfigError(f"{path}: {problems}") from exc
