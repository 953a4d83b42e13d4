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

from payback.demo.exports import DemoFile, write_shop
from payback.demo.generator import PHASES, Shop, generate_shop
from payback.demo.runner import HEADLINE_METRICS, DemoResult, run_demo

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
