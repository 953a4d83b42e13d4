"""The cross-sell structure the demo shop plants, as a truth table for the segment tests.

The demo's order lines (``_population._items``) draw the first product of an order from
the landing page's or the customer tier's category; each further line is, with
probability 0.55, the **companion** of the line before it (:data:`payback.demo.catalog.PRODUCTS`,
``Product.companion``), else a product of the tier's categories. So the planted pairs
are the 16 unordered ``{product, companion}`` pairs of the catalogue; a chain of two
companions (``A -> B -> C``) makes ``{A, C}`` go together too, more weakly. Nothing
here draws a number: the truth is read from the catalogue, so the demo's tables are
unchanged.

>>> len(planted_pairs())
16
>>> ("P101", "P401") in planted_pairs()
True
>>> ("P101", "P201") in companion_pairs(steps=2)  # Glass teapot -> Earl Grey -> teacup
True
"""

from __future__ import annotations

from payback.demo import catalog as cat

__all__ = ["companion_pairs", "planted_pairs"]


def companion_pairs(steps: int = 1) -> frozenset[tuple[str, str]]:
    """Unordered product pairs ``(a, b)``, ``a < b``, joined by a chain of at most
    ``steps`` companions (``steps=1``: the planted pairs)."""
    companion = {p.product_id: p.companion for p in cat.PRODUCTS}
    out: set[tuple[str, str]] = set()
    for start in companion:
        current = start
        for _ in range(steps):
            current = companion[current]
            if current != start:
                out.add((min(start, current), max(start, current)))
    return frozenset(out)


def planted_pairs() -> frozenset[tuple[str, str]]:
    """The catalogue's ``{product, companion}`` pairs, as ``(a, b)`` with ``a < b``."""
    return companion_pairs(1)
