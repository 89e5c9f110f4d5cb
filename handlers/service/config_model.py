"""The base of every section of the service config: frozen, no unknown keys, text trimmed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A section a council writes: a typo in a key is an error, not a silent default."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
