"""The package root re-exports every capability's public API, lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest

import payback


@pytest.mark.parametrize("name", sorted(set(payback.__all__) - {"__version__"}))
def test_every_exported_name_resolves(name):
    assert getattr(payback, name) is not None


def test_root_exports_are_the_capability_objects():
    from payback.clv import fit_bgnbd
    from payback.metrics import compute_metrics

    assert payback.fit_bgnbd is fit_bgnbd
    assert payback.compute_metrics is compute_metrics


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'fit_everything'"):
        payback.fit_everything  # noqa: B018


def test_import_payback_does_not_load_the_engines():
    code = (
        "import sys, payback; "
        "print(sorted(m for m in ('ibis', 'scipy', 'fastapi', 'plotly', 'pyspark') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _type_checking_reexports() -> tuple[list[str], dict[str, str]]:
    """The ``if TYPE_CHECKING:`` block of payback/__init__.py: the capability packages it
    imports, and each other name -> the package it comes from (``as`` the same name)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(payback))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    )
    packages, names = [], {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"write `{alias.name} as {alias.name}`"
            if node.module == "payback":
                packages.append(alias.name)
            else:
                names[alias.name] = node.module
    return packages, names


def test_registry_all_and_type_checking_block_agree():
    from payback.capabilities import CAPABILITIES

    expected_packages = sorted(c.name for c in CAPABILITIES)
    expected_names = {n: c.package for c in CAPABILITIES for n in c.exports}
    packages, names = _type_checking_reexports()
    wanted = [f"    from payback import {p} as {p}" for p in expected_packages] + [
        f"    from {m} import {n} as {n}" for n, m in sorted(expected_names.items())
    ]
    hint = "payback/__init__.py's TYPE_CHECKING block should be:\n" + "\n".join(wanted)
    assert sorted(packages) == expected_packages, hint
    assert names == expected_names, hint
    errors_and_store = {
        *("CurrencyError", "DataError", "InputError", "ModelFitError", "PaybackError"),
        *("ValidationErrors", "Store", "open_store", "__version__"),
    }
    assert set(payback.__all__) == errors_and_store | set(expected_packages) | set(names)
    assert len(payback.__all__) == len(set(payback.__all__))


def test_every_capability_has_its_package_and_command_module():
    import importlib

    from payback.capabilities import CAPABILITIES, load

    for cap in CAPABILITIES:
        package = importlib.import_module(cap.package)
        assert set(cap.exports) <= set(package.__all__), cap.name
        if cap.cli:
            assert callable(importlib.import_module(cap.cli).register), cap.cli
        if cap.report:
            assert callable(load(cap.report.builder)) and load(cap.report.grains), cap.name


def test_the_cli_and_the_report_follow_the_registry():
    from payback.capabilities import CAPABILITIES
    from payback.cli import _COMMAND_MODULES
    from payback.report.extensions import extensions

    assert list(_COMMAND_MODULES) == [c.cli for c in CAPABILITIES if c.cli]
    assert [e.name for e in extensions()] == [c.report.name for c in CAPABILITIES if c.report]
    ltv = next(e for e in extensions() if e.name == "ltv")
    assert not ltv.filtered and ltv.grains == ("platform", "campaign", "partner")


def test_fit_table_is_reexported():
    from payback.clv import fit_table

    assert payback.fit_table is fit_table
