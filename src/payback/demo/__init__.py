"""A realistic synthetic shop to try payback on: ``payback demo`` or :func:`generate_shop`.

:func:`generate_shop` draws the shop (deterministic for a seed), :func:`write_shop` writes
it as the files a user would import (real Google / Meta / Microsoft / Yandex exports and
canonical CSVs), :func:`run_demo` does both, imports the files and computes the headline
metrics.

>>> from payback.demo import generate_shop
>>> shop = generate_shop(200, seed=1)
>>> sorted(shop.counts())[:3]
['ad_stats', 'costs', 'customers']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.demo.exports import DemoFile, write_shop
    from payback.demo.generator import (
        PHASES,
        Shop,
        generate_shop,
    )
    from payback.demo.runner import (
        HEADLINE_METRICS,
        DemoResult,
        run_demo,
    )

__all__ = [
    "HEADLINE_METRICS",
    "PHASES",
    "DemoFile",
    "DemoResult",
    "Shop",
    "generate_shop",
    "run_demo",
    "write_shop",
]

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.demo`` (and ``payback --help``) does not load numpy, pandas and the generator.
_EXPORTS = {
    "DemoFile": "payback.demo.exports",
    "write_shop": "payback.demo.exports",
    "PHASES": "payback.demo.generator",
    "Shop": "payback.demo.generator",
    "generate_shop": "payback.demo.generator",
    "HEADLINE_METRICS": "payback.demo.runner",
    "DemoResult": "payback.demo.runner",
    "run_demo": "payback.demo.runner",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
