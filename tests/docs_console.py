"""The console examples of a docs page, for the docs tests that run them."""

from __future__ import annotations

import re


def console_commands(text: str) -> list[str]:
    """The commands (without ``$ ``) of every ```` ```console ```` block of ``text``, in order.

    >>> console_commands("```console\\n$ payback demo\\nout\\n$ payback metrics\\n```")
    ['payback demo', 'payback metrics']
    """
    return [
        line[2:]
        for block in re.findall(r"```console\n(.*?)```", text, re.S)
        for line in block.splitlines()
        if line.startswith("$ ")
    ]
