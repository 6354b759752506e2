"""Children die with their parent: Linux's parent-death signal, and the check that backs it.

``prctl(PR_SET_PDEATHSIG, sig)`` asks the kernel to send ``sig`` to this
process when the thread that forked it exits, so no API server or writer is
left running (holding the port or the database) after the process that
started it was killed with SIGKILL. The signal is armed after ``fork``; if the
parent died in between, :func:`die_with_parent` sees the changed parent pid
and exits at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1
_libc: ctypes.CDLL | None = None


def _prctl() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def die_with_parent(sig: int = signal.SIGTERM, parent: int | None = None) -> bool:
    """Arm ``sig`` for this process's parent's death; False where the OS cannot.

    ``parent`` is the pid the caller expects as parent (the forking process);
    if it is already gone the process exits with status 1.
    """
    libc = _prctl()
    if libc is None:
        return False
    if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed errno=%d", ctypes.get_errno())
        return False
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    return True


def preexec_for(sig: int = signal.SIGTERM) -> Callable[[], bool]:
    """A ``subprocess.Popen(preexec_fn=...)`` that arms ``sig`` for the spawning process's death."""
    parent = os.getpid()
    return lambda: die_with_parent(sig, parent)
