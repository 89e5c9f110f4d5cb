"""One-way hashes: how an invite token is stored, wherever it is first written."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """The stored form of an invite token."""
    return hashlib.sha256(token.encode()).hexdigest()
