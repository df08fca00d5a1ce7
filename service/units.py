"""The one pint registry, and the four canonical units every figure is stored in.

A figure is stored in its *canonical unit* (``MAD``, ``percent``, ``points``,
``count``) so a reporter reads ``1.14e9 MAD`` or ``11 percent`` back.  Rules
compute in pint's *base* magnitudes (11 percent is 0.11), which is what makes
``1 + growth`` mean what a reader expects; :func:`base_factor` converts.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pint

CANONICAL_UNITS = ("MAD", "percent", "points", "count")

# Our names for pint's: pint's own "point" is a typographic length.
_PINT_NAME = {"MAD": "MAD", "percent": "percent", "points": "percentage_point", "count": "count"}

# Tally's whole vocabulary of units.  The registry is built from these lines
# alone, not pint's default file: it loads in milliseconds instead of seconds,
# and no unit we did not mean (pint's "point" is a typographic length) can
# slip into a figure.
_DEFINITIONS = (
    "percent = 0.01 = %",
    "count = []",
    "MAD = [currency] = DH = dirham = dirhams",
    "kMAD = 1e3 MAD",
    "MDH = 1e6 MAD",
    "MMDH = 1e9 MAD",
    "percentage_point = 0.01",
)


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """Build the registry once; pint registries are expensive and must not be mixed."""
    ureg = pint.UnitRegistry(None, on_redefinition="raise")
    for definition in _DEFINITIONS:
        ureg.define(definition)
    return ureg


def quantity(magnitude: float, canonical_unit: str) -> pint.Quantity:
    """A pint quantity for a magnitude given in one of our canonical units."""
    return registry().Quantity(magnitude, _PINT_NAME[canonical_unit])


def to_canonical(magnitude: Decimal, unit: str) -> tuple[Decimal, str]:
    """Convert a magnitude printed in ``unit`` (``MMDH``, ``MDH``, ``percent``...) to canonical.

    Returns the converted magnitude and the canonical unit's name.  Conversion goes
    through pint so a new currency scale is one definition, not one more branch.
    """
    factor, canonical = canonical_factor(unit)
    return magnitude * factor, canonical


@lru_cache(maxsize=None)
def canonical_factor(unit: str) -> tuple[Decimal, str]:
    """The exact factor from ``unit`` to its canonical unit, worked out by pint once per unit.

    pint's conversions cost ~70 µs each: half of reading a figure, before this was cached.
    """
    ureg = registry()
    source = ureg.Unit(_PINT_NAME.get(unit, unit))
    for canonical in CANONICAL_UNITS:
        target = ureg.Unit(_PINT_NAME[canonical])
        if source.dimensionality == target.dimensionality and _same_family(unit, canonical):
            return Decimal(repr(ureg.Quantity(1, source).to(target).magnitude)), canonical
    raise KeyError(unit)


def _same_family(unit: str, canonical: str) -> bool:
    # percent, points and count are all dimensionless to pint; they are different
    # things to a reader, so a printed unit only maps to its own family.
    dimensionless = {"percent": "percent", "percentage_point": "points", "points": "points", "count": "count"}
    if unit in dimensionless or canonical in dimensionless:
        return dimensionless.get(unit) == canonical
    return True


@lru_cache(maxsize=None)
def base_factor(canonical_unit: str) -> float:
    """Factor from a canonical unit to pint's base magnitude (percent -> 0.01)."""
    return float(quantity(1, canonical_unit).to_base_units().magnitude)


def dimension_of(canonical_unit: str) -> str:
    """A short name of the physical dimension, for type errors in rules."""
    return "money" if canonical_unit == "MAD" else "ratio"
