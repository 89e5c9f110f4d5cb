"""Running totals of what the retention purge deleted, so counts that must only grow still do."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

# The kinds of row counted; the migration creates one row of each.
PURGED_KINDS = ("inbox", "outbox:sent", "outbox:failed")


class PurgedCount(Base):
    """How many rows of one kind (see PURGED_KINDS) the retention purge has deleted, ever."""

    __tablename__ = "purged_counts"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
