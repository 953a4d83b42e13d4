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
