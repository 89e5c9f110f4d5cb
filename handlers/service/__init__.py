"""The service itself: its config, opening hours, the clock, the audit timeline.

Used module by module (`from handlers.service.chat import SendMessage`): each concept above
takes only the parts it needs, and outbox delivery never loads the domain's follow-ups.
"""

from __future__ import annotations

__all__ = [
    "audit",
    "clock",
    "config",
    "context",
    "export_files",
    "hashing",
    "hours",
    "labels",
    "limits",
]
