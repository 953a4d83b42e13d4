"""Library errors name Python arguments; the ``payback`` command shows them as its flags.

The expected texts are written out here, not taken from the code: the argument as a
Python caller writes it (``other_costs``), the flag as a shell user types it
(``--other-costs``), the command in place of the function (``max-cpl``, not ``max_cpl``).
"""

from __future__ import annotations

import pytest

from payback import calc
from payback.cli import main
from payback.errors import InputError


def test_the_library_names_the_argument():
    with pytest.raises(InputError) as caught:
        calc.max_cpl(margin_amount=-5, share=1, conversion=0.5)
    assert str(caught.value).startswith("max_cpl: margin_amount cannot be negative, got -5.")
    assert caught.value.arguments == ("margin_amount",)
    assert "--" not in str(caught.value)


def test_the_cli_names_the_flag_and_the_command(capsys):
    assert main(["calc", "max-cpl", "--margin-amount", "-5", "--share", "1",
                 "--conversion", "0.5"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("error: max-cpl: --margin-amount cannot be negative, got -5.")


def test_a_missing_number_names_the_flag(capsys):
    assert main(["calc", "cpo", "--cost", "nan", "--orders", "3"]) == 2
    assert "--cost" in capsys.readouterr().err


def test_render_maps_only_declared_arguments():
    err = InputError("give {other_costs} with {customers}, got {'a': 1}")
    assert err.arguments == ("other_costs", "customers")
    assert str(err) == "give other_costs with customers, got {'a': 1}"
    flags = {"other_costs": "--other-costs", "customers": "--customers"}
    assert err.render(flags) == "give --other-costs with --customers, got {'a': 1}"
    assert err.render(flags, function="marginal-cpo").startswith("marginal-cpo: give")


def test_an_argument_the_command_does_not_declare_gets_the_default_flag(capsys):
    from payback.cli import _command_of, flags_of

    flags = flags_of(_command_of(["calc", "cpo"]))
    assert flags["cost"] == "--cost"
    assert flags.get("unit_cost") == "--unit-cost"
