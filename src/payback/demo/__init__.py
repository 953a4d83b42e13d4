"""A realistic synthetic shop to try payback on: ``payback demo`` or :func:`generate_shop`.

>>> from payback.demo import generate_shop
>>> shop = generate_shop(200, seed=1)
>>> sorted(shop.counts())[:3]
['ad_stats', 'costs', 'customers']
"""

from __future__ import annotations

from payback.demo.generator import PHASES, Shop, generate_shop

__all__ = ["PHASES", "Shop", "generate_shop"]
