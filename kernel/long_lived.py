"""What a serving process keeps for its whole life (the ZIP and place tables, the search snapshot: some half a
million objects at 100,000 listings) held out of the garbage collector's full collections. Walking them takes
0.5-1 s, during which the server answers nobody; under load such a collection came every few seconds and made the
slowest answers (p99) a quarter of a second. Frozen objects are still freed when nothing refers to them."""

from __future__ import annotations

import gc

__all__ = ["freeze_long_lived", "refreeze_after_replacing"]


def freeze_long_lived() -> None:
    """Collect what start-up left behind, then move everything alive out of the collector's way."""
    gc.collect()
    gc.freeze()


def refreeze_after_replacing() -> None:
    """After a long-lived structure was replaced (a new search snapshot): if this process froze its objects, let
    the collector see them again once, so the old structure (held in reference cycles) is freed, and freeze the
    rest. Nothing when nothing was frozen (tests, the CLI)."""
    if gc.get_freeze_count():
        gc.unfreeze()
        freeze_long_lived()
