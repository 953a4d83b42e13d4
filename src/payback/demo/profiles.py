"""The ideal customer profile the demo shop plants, as a truth table for the segment tests.

:func:`payback.demo.generator` gives each customer a value multiplier ``m``, the product
of the multipliers of their age band, gender and country (:data:`catalog.AGE_VALUE`,
:data:`catalog.GENDER_VALUE`, the third field of :data:`catalog.COUNTRIES`), normalised
to mean 1 inside their tier; ``m ** 0.7`` scales their purchase rate and ``m ** 0.5``
their spend. So the value of each attribute with the highest multiplier is
over-represented among the top customers by value (``payback segments profile``) and the
one with the lowest under-represented. Nothing here draws a number: the truth is read
from the catalogue, so the demo's tables are those of before.

>>> sorted(planted_profile())
[('age_band', '45-54'), ('country', 'GB'), ('gender', 'female')]
>>> sorted(planted_profile(highest=False))
[('age_band', '18-24'), ('country', 'FR'), ('gender', 'male')]
"""

from __future__ import annotations

from payback.demo import catalog as cat

__all__ = ["planted_profile", "value_multipliers"]


def value_multipliers() -> dict[str, dict[str, float]]:
    """Attribute -> value -> its value multiplier in the generator (``unknown`` gender is
    left out: it is not a targetable value)."""
    genders = dict(zip(cat.GENDERS, cat.GENDER_VALUE, strict=True))
    genders.pop("unknown")
    return {
        "age_band": dict(zip(cat.AGE_BANDS, cat.AGE_VALUE, strict=True)),
        "gender": genders,
        "country": {c[0]: c[2] for c in cat.COUNTRIES},
    }


def planted_profile(*, highest: bool = True) -> frozenset[tuple[str, str]]:
    """``(attribute, value)`` of the highest (or lowest) multiplier of each attribute."""
    pick = max if highest else min
    return frozenset(
        (attribute, pick(values, key=values.__getitem__))
        for attribute, values in value_multipliers().items()
    )
