"""The allocator setting of the ``payback`` command (payback.allocator): Arrow's mimalloc
reserves its arena without the advice for transparent huge pages."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from payback.allocator import ARROW_THP, prefer_small_pages

SMAPS = Path("/proc/self/smaps")


def _run(code: str, env: dict[str, str]) -> str:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**env, "PYTHONPATH": src + os.pathsep + env.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != ARROW_THP}


def test_the_command_sets_it_before_arrow_loads_and_keeps_a_users_value():
    code = """
        import os, sys
        from payback.cli import main
        assert "pyarrow" not in sys.modules  # the command's modules load no Arrow yet
        main(["--version"])
        print(os.environ.get("MIMALLOC_ALLOW_THP"))
    """
    assert _run(code, _environment()).splitlines()[-1] == "0"
    assert _run(code, {**_environment(), ARROW_THP: "1"}).splitlines()[-1] == "1"


def test_nothing_is_set_once_pyarrow_is_loaded():
    env: dict[str, str] = {}
    assert prefer_small_pages(env, loaded={"pyarrow": None}) is False
    assert env == {}


_ADVISED = """
    import sys
    if {setting}:
        from payback.allocator import prefer_small_pages
        prefer_small_pages()
    import pyarrow as pa
    buffers = [pa.allocate_buffer(8 << 20) for _ in range(8)]  # 64 MiB through mimalloc
    sizes, size = [], 0
    for line in open("/proc/self/smaps"):
        if line.startswith("Size:"):
            size = int(line.split()[1])
        elif line.startswith("VmFlags:") and " hg" in line:
            sizes.append(size)
    print(sorted(sizes))
"""


@pytest.mark.skipif(not SMAPS.exists(), reason="Linux only: reads /proc/self/smaps")
def test_arrows_arena_is_not_advised_for_huge_pages():
    """With the setting no mapping of the process carries the huge-page advice (``hg``);
    Arrow's default advises its 1 GiB arena where the system lets programs choose."""
    default = _run(_ADVISED.format(setting=False), _environment())
    assert _run(_ADVISED.format(setting=True), _environment()) == "[]", default
