"""Who is who: invites and linking, the CSV import, venues."""

from __future__ import annotations

from handlers.people.identity import (
    LINKED_PERSON,
    Redeemed,
    create_invite,
    deactivate_person,
    find_person,
    invite_link,
    redeem_invite,
)
from handlers.people.importing import (
    ImportFailed,
    import_records,
)
from handlers.people.venues import (
    sync_venues,
)

__all__ = [
    "LINKED_PERSON",
    "ImportFailed",
    "Redeemed",
    "create_invite",
    "deactivate_person",
    "find_person",
    "import_records",
    "invite_link",
    "redeem_invite",
    "sync_venues",
]
