"""The root command: version, help, usage errors and payback errors."""

from __future__ import annotations

from payback import __version__
from payback.cli import main


def test_version_prints_and_exits_zero(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"payback {__version__}"


def test_help_lists_every_capability(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in (
        "demo",
        "import",
        "metrics",
        "calc",
        "ltv",
        "economics",
        "simulate",
        "report",
        "serve",
    ):
        assert command in out, command


def test_usage_error_exits_2_without_traceback(capsys):
    assert main(["metrics", "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert "No such option" in err
    assert "Traceback" not in err


def test_payback_error_is_one_line(capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    assert main(["import", "ads", str(missing), "--db", str(tmp_path / "s.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert str(missing) in err
    assert "Traceback" not in err


def test_commands_run_through_main(capsys):
    # DOMAIN.md: a banner cost 200 and brought 40 orders: CPO = 5
    assert main(["calc", "cpo", "--cost", "200", "--orders", "40"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("= 5.00")
