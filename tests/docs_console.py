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


def console_examples(text: str) -> list[tuple[str, str]]:
    """(command without ``$ ``, the output the page shows) of every console example.

    >>> console_examples("```console\\n$ payback a\\nout 1\\n$ payback b\\n```")
    [('payback a', 'out 1'), ('payback b', '')]
    """
    examples = (
        example.partition("\n")
        for block in re.findall(r"```console\n(.*?)```", text, re.S)
        for example in re.split(r"^\$ ", block, flags=re.M)[1:]
    )
    return [(command, output.rstrip("\n")) for command, _, output in examples]


def check_example(main, command: str, expected: str, capsys) -> None:
    """Run one console example with ``main`` (``payback.cli.main``) and check that it prints
    what the page shows: an ``error: ...`` example exits 2 with that text on stderr, any
    other exits 0 with that text on stdout."""
    import shlex

    argv = shlex.split(command)
    assert argv[0] == "payback"
    code = main(argv[1:])
    out = capsys.readouterr()
    if expected.startswith("error: "):
        assert code == 2, command
        assert out.err.rstrip("\n") == expected, command
    else:
        assert code == 0, (command, out.err)
        assert out.out.rstrip("\n") == expected, command


def run_example(main, command: str, capsys) -> list[str]:
    """Run one console example with ``main`` (``payback.cli.main``): it exits 0 and prints
    something, unless it writes a file (``--output``); its arguments, for further checks."""
    import shlex

    argv = shlex.split(command)
    assert argv[0] == "payback"
    code = main(argv[1:])
    out = capsys.readouterr()
    assert code == 0, (command, out.err)
    assert out.out or "--output" in argv, command
    return argv


def _written_by(command: str) -> str | None:
    """The file an example writes with ``--output``/``-o``, if any.

    >>> _written_by("payback segments rules -o my_rules.csv"), _written_by("payback metrics")
    ('my_rules.csv', None)
    """
    import shlex

    argv = shlex.split(command)
    for flag in ("--output", "-o"):
        if flag in argv[:-1]:
            return argv[argv.index(flag) + 1]
    return None


def run_page_example(main, commands: list[str], command: str, capsys) -> list[str]:
    """Run ``command``, one of a page's ``commands``, in the current folder as
    :func:`run_example` does; first run, in the page's order, every earlier example whose
    output file it reads and that is not there yet: the tests' order is not the page's
    (pytest-xdist), so each example runs on its own.

    Its arguments, for further checks.
    """
    import shlex
    from pathlib import Path

    args = shlex.split(command)
    for earlier in commands[: commands.index(command)]:
        written = _written_by(earlier)
        if written is not None and written in args and not Path(written).exists():
            run_example(main, earlier, capsys)
    return run_example(main, command, capsys)
