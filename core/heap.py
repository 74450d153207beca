"""Giving memory the process no longer uses back to the system (issue 14's memory).

glibc's ``free`` only shrinks the top of each heap: start-up's garbage (import-time
temporaries, the guild's member chunks as they were decoded, the first bulk writes) leaves
free pages in the middle of the heaps and in the threads' arenas (the database driver's
threads), counted as resident until something reuses them. ``malloc_trim(0)`` hands every
whole free page back; elsewhere than glibc there is nothing to do.
"""

from __future__ import annotations

import ctypes


def release_free_memory() -> bool:
    """Return free heap pages to the system; False where the C library can't."""
    try:
        # the process's own symbols (libc included), without searching the disk for libc
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return False
    trim(0)
    return True
