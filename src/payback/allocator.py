"""The memory-allocator setting the ``payback`` command starts with.

pyarrow's wheels bring their own allocator, mimalloc (version 3 since pyarrow 20). On
Linux it asks for transparent huge pages on the 1 GiB arena it reserves
(``madvise(MADV_HUGEPAGE)``) wherever the system leaves that choice to programs
(``/sys/kernel/mm/transparent_hugepage/enabled`` set to ``madvise``, the usual default).
Every first touch of the arena then faults in, and zeroes, a whole 2 MiB page: the time
goes to the kernel (``clear_page_erms`` under ``mi_page_free_list_extend`` in a profile),
and in a virtual machine that hands freed memory back to its host it grows with each
fresh page. mimalloc's maintainers name the fix: ``MIMALLOC_ALLOW_THP=0``
(microsoft/mimalloc#1323, #1373; mimalloc 3.5.1 changed the default).

Measured on a 2-core virtual machine (issue 16): ``payback import ads`` of a 2M-row
Google Ads report in a new process spent 1.17-1.68 s of system time with Arrow's default
and 0.66-0.87 s with the setting (5 alternated runs each); its user time and its result
do not change.

The setting is read when Arrow's allocator starts, so it has to be in the environment
before ``pyarrow`` is first imported (pandas imports it): the ``payback`` command sets it
first thing, unless the environment already has a value (which is kept). A Python program
may call :func:`prefer_small_pages` before its first ``import pandas`` / ``import
pyarrow``, or start with the variable set (``MIMALLOC_ALLOW_THP=0 python job.py``).

Examples
--------
>>> env = {}
>>> prefer_small_pages(env, loaded=()), env
(True, {'MIMALLOC_ALLOW_THP': '0'})
>>> prefer_small_pages({"MIMALLOC_ALLOW_THP": "1"}, loaded=())  # the user's choice stays
False
>>> prefer_small_pages({}, loaded=("pyarrow",))  # too late: Arrow's allocator has started
False
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, MutableMapping

#: The environment variable mimalloc (Arrow's allocator) reads for transparent huge pages.
ARROW_THP = "MIMALLOC_ALLOW_THP"


def prefer_small_pages(
    environ: MutableMapping[str, str] | None = None, loaded: Collection[str] | None = None
) -> bool:
    """Ask Arrow's allocator for normal (4 KiB) pages, unless the environment already says.

    Parameters
    ----------
    environ : mutable mapping, optional
        The environment to set (default: this process's, ``os.environ``).
    loaded : collection of str, optional
        The modules already imported (default: ``sys.modules``); the setting only takes
        effect before ``pyarrow`` is.

    Returns
    -------
    bool
        Whether Arrow's allocator will start with ``MIMALLOC_ALLOW_THP=0``: False when the
        environment holds another value (kept as the user's choice) or pyarrow has
        already been imported (nothing is set then).
    """
    environ = os.environ if environ is None else environ
    loaded = sys.modules if loaded is None else loaded
    if "pyarrow" in loaded:
        return False
    environ.setdefault(ARROW_THP, "0")
    return environ[ARROW_THP] == "0"
