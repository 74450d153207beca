"""Giving memory the process no longer uses back to the system (issue 14's memory).

glibc's ``free`` only shrinks the top of each heap: start-up's garbage (import-time
temporaries, the guild's member chunks as they were decoded, the first bulk writes) leaves
free pages in the middle of the heaps and in the threads' arenas (the database driver's
threads), counted as resident until something reuses them. ``malloc_trim(0)`` hands every
whole free page back; elsewhere than glibc there is nothing to do.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterator

#: the cycle collector's thresholds once the start-up heap is frozen. Python's (700, 10, 10)
#: collects the young generation every 700 net allocations and rescans the whole heap every
#: hundred of those: a crowd's clicks (each interaction allocates a few hundred objects: its
#: payload, a Message, a View) then spent about a third of the CPU in the collector, and each
#: full collection paused the bot ~0.1 s. Young objects mostly die by reference counting
#: before any collection, so collecting rarely finds the same cycles for far less work.
GC_THRESHOLDS = (50_000, 20, 100)


def freeze_and_collect_in_bulk() -> None:
    """Collect once, freeze what is left (the collector stops rescanning it) and collect in
    bulk from now on (``GC_THRESHOLDS``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@contextlib.contextmanager
def collector_as_the_bot_leaves_it() -> Iterator[None]:
    """For a measurement: the process's collector as the running bot has it, then as before."""
    thresholds = gc.get_threshold()
    freeze_and_collect_in_bulk()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def release_free_memory() -> bool:
    """Return free heap pages to the system; False where the C library can't."""
    try:
        # the process's own symbols (libc included), without searching the disk for libc
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return False
    trim(0)
    return True
