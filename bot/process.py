"""Process-wide settings for the long-running bot."""

from __future__ import annotations

import gc

# Python's cyclic garbage collector by default looks at young objects every 700 allocations and
# now and then walks every object there is. Here that means SQLAlchemy's ORM rows and aiogram's
# pydantic models (over 100 MB of them built at import): 10-25 % of the bot's CPU under load
# (bench/throughput.py). Reference counting still frees everything else at once.
GC_THRESHOLDS = (10_000, 50, 100)


def tune_garbage_collection() -> None:
    """Call once start-up is done: what exists by then lives as long as the process, so the
    collector stops walking it; and it collects less often."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
