"""The rows of the import's CSV files, checked before anything is written.

Everything a row holds must fit its column and be plain text, so the database never refuses a
value half-way through (PostgreSQL refuses a NUL, and a value over a column's length).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Column, String

from storage.models import Child, Person, Role, Session

PEOPLE_COLUMNS = ("ref", "first_name", "last_name", "role", "venue", "phone")
CHILDREN_COLUMNS = (
    "ref",
    "initials",
    "social_worker_ref",
    "carer_refs",
    "not_independently_mobile",
    "needs",
    "risks",
)
SESSIONS_COLUMNS = (
    "ref",
    "venue",
    "room",
    "date",
    "start",
    "end",
    "worker_ref",
    "child_refs",
    "supervision",
    "status",
    "attendees",
    "no_meet",
    "parent_arrives",
    "parent_leaves",
    "carer_arrives",
    "carer_leaves",
    "setting",
    "lone",
)
INITIALS_PUNCTUATION = frozenset(".-' ")
MAX_INITIALS_LETTERS = 4
MAX_NEEDS_LENGTH = 1000  # needs, and risks, of one child


def _fits(column: Any, *, required: bool = True) -> Any:
    """A text field no longer than its database column (and not blank when required)."""
    assert isinstance(column, Column) and isinstance(column.type, String)
    return Field(min_length=1 if required else 0, max_length=column.type.length)


_REF = Annotated[str, _fits(Person.__table__.c.ref)]
MAX_REF_LENGTH = 40
MAX_ATTENDEES = 10


class ImportRow(BaseModel):
    """A row of any import file: stripped text that fits its column; unknown columns ignored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    ref: str

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for name, value in values.items():
                if name in cls.model_fields and isinstance(value, str) and _has_control(value):
                    raise ValueError(f"{name}: contains a control character (such as NUL)")
        return values


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


class PersonRow(ImportRow):
    """One line of people.csv."""

    ref: _REF
    first_name: Annotated[str, _fits(Person.__table__.c.first_name)]
    last_name: Annotated[str, _fits(Person.__table__.c.last_name)]
    role: Role
    venue: Annotated[str, _fits(Person.__table__.c.venue_code, required=False)] = ""
    phone: Annotated[str, _fits(Person.__table__.c.phone, required=False)] = ""


class ChildRow(ImportRow):
    """One line of children.csv; a child is known only by initials and a reference."""

    ref: Annotated[str, _fits(Child.__table__.c.ref)]
    initials: Annotated[str, _fits(Child.__table__.c.initials)]
    social_worker_ref: str = ""
    carer_refs: str = ""
    # yes for a baby or a child who can't get about alone; blank or no: mobile; column left
    # out: as it was (mobile for a new child).
    not_independently_mobile: bool | None = None

    @field_validator("not_independently_mobile", mode="before")
    @classmethod
    def _blank_is_no(cls, value: Any) -> Any:
        return False if isinstance(value, str) and not value.strip() else value

    # What the worker must know (shown only on a Details tap); column left out: as it was.
    needs: Annotated[str, Field(max_length=MAX_NEEDS_LENGTH)] | None = None
    risks: Annotated[str, Field(max_length=MAX_NEEDS_LENGTH)] | None = None

    @field_validator("initials")
    @classmethod
    def _initials_only(cls, value: str) -> str:
        return check_initials(value)


def check_initials(value: str) -> str:
    """Initials only (1 to 4 capital letters, with dots, spaces, hyphens, apostrophes)."""
    letters = [c for c in value if c not in INITIALS_PUNCTUATION]
    if not (
        1 <= len(letters) <= MAX_INITIALS_LETTERS
        and all(c.isalpha() and c.isupper() for c in letters)
    ):
        raise ValueError(
            f"initials must be 1 to {MAX_INITIALS_LETTERS} capital letters, e.g. A.B. "
            "(never a name)"
        )
    return value


class SessionRow(ImportRow):
    """One line of sessions.csv; date and times are local to the service."""

    ref: Annotated[str, _fits(Session.__table__.c.ref)]
    venue: Annotated[str, _fits(Session.__table__.c.venue_code)]
    room: Annotated[str, _fits(Session.__table__.c.room, required=False)] = ""
    date: date
    start: time
    end: time
    worker_ref: str = ""
    child_refs: str
    supervision: Annotated[str, _fits(Session.__table__.c.supervision_level, required=False)] = ""
    # Left blank, a session keeps its status (a new one is scheduled); "cancelled" calls it off
    # and "scheduled" puts a cancelled one back on. Either way its carers and worker are told.
    status: Literal["", "scheduled", "cancelled"] = ""
    # The parents or others allowed to attend: `initials:ref`, `;`-separated (never names).
    attendees: list[tuple[str, str]] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    # Parent and carer must not meet: each one's arrival and departure (local times that day).
    no_meet: bool = False
    parent_arrives: time | None = None
    parent_leaves: time | None = None
    carer_arrives: time | None = None
    carer_leaves: time | None = None
    # Out in the community, or the worker on their own: welfare check-ins during the session.
    setting: Literal["centre", "community"] = "centre"
    lone: bool = False

    @field_validator("setting", mode="before")
    @classmethod
    def _blank_is_centre(cls, value: Any) -> Any:
        return "centre" if isinstance(value, str) and not value.strip() else value

    @field_validator("no_meet", "lone", mode="before")
    @classmethod
    def _blank_is_no(cls, value: Any) -> Any:
        return False if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "parent_arrives", "parent_leaves", "carer_arrives", "carer_leaves", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("attendees", mode="before")
    @classmethod
    def _attendees(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        attendees = []
        for item in split_refs(value):
            initials, _, ref = (part.strip() for part in item.partition(":"))
            if not ref or len(ref) > MAX_REF_LENGTH:
                raise ValueError(
                    "each attendee is initials:reference, e.g. M.B.:PA-101 "
                    f"(a reference up to {MAX_REF_LENGTH} characters)"
                )
            attendees.append((check_initials(initials), ref))
        return attendees

    @model_validator(mode="after")
    def _windows_with_no_meet(self) -> SessionRow:
        times = (self.parent_arrives, self.parent_leaves, self.carer_arrives, self.carer_leaves)
        if self.no_meet and None in times:
            raise ValueError(
                "no_meet: give parent_arrives, parent_leaves, carer_arrives and carer_leaves"
            )
        if not self.no_meet and any(t is not None for t in times):
            raise ValueError(
                "parent_arrives, parent_leaves, carer_arrives, carer_leaves: only with no_meet"
            )
        return self


def split_refs(text: str) -> list[str]:
    """The references in a `;`-separated list."""
    return [r.strip() for r in text.split(";") if r.strip()]


def read_rows(
    name: str, text: str, columns: tuple[str, ...], model: type[ImportRow], errors: list[str]
) -> list[tuple[int, ImportRow]]:
    """The file's valid rows with their line numbers; every problem is added to `errors`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    required = [c for c in missing if model.model_fields[c].is_required()]
    if required:
        errors.append(f"{name}: missing column(s) {', '.join(required)}")
        return []
    rows: list[tuple[int, ImportRow]] = []
    first_row_of: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):  # line 1 is the header
        try:
            row = model.model_validate({k: v or "" for k, v in raw.items() if k})
        except ValidationError as exc:
            for err in exc.errors(include_input=False, include_url=False):
                where = ".".join(str(p) for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")
                errors.append(f"{name} row {number}: {where + ': ' if where else ''}{message}")
            continue
        ref = str(row.ref)
        if ref in first_row_of:
            errors.append(f"{name} row {number}: ref: {ref} is also on row {first_row_of[ref]}")
            continue
        first_row_of[ref] = number
        rows.append((number, row))
    return rows
