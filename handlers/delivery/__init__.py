"""Getting messages in and out: the chat vocabulary, inbox, outbox, limits, health.

Used module by module (`from handlers.delivery.chat import SendMessage`): each concept above
takes only the parts it needs, and outbox delivery never loads the domain's follow-ups.
"""

from __future__ import annotations

__all__ = [
    "chat",
    "coordinators",
    "health",
    "inbox",
    "message_limits",
    "outbox",
    "outbox_status",
    "reachability",
    "retention",
    "sender_limits",
    "start_buttons",
    "watchdog",
]
