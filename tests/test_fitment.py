"""Part fitment by model, model year and position (issue 12.8), without a database."""

from __future__ import annotations

import pytest

from tests.addon_modules import load

fitment = load("postventa_purchase/fitment.py", "postventa_purchase_fitment")


@pytest.mark.parametrize("text, position", [
    ("Balatas delanteras desgastadas (rechinido)", "front"),
    ("Ruido en frenos traseros", "rear"),
    ("Amortiguador delantero y trasero", None),
    ("Testigo de motor encendido", None),
    ("Balatas DELANTERAS", "front"),
])
def test_position_named_by_the_fault(text, position):
    assert fitment.position_named(text) == position


@pytest.mark.parametrize("part, vehicle, fits", [
    (("Corolla", 2009, 2019, "front"), ("Corolla", 2025, "front"), False),   # out of the year range
    (("Corolla", 2014, None, "rear"), ("Corolla", 2025, "front"), False),    # wrong axle
    (("Corolla", 2020, None, "front"), ("Corolla", 2025, "front"), True),
    (("Corolla", 2020, None, "front"), ("Corolla", 2025, None), True),       # the fault names no axle
    (("Corolla", 2009, 2019, None), ("Corolla", 2019, "front"), True),       # last year included
    (("RAV4", None, None, None), ("RAV4 Hybrid", 2024, None), True),
    (("Hilux", None, None, None), ("Corolla", 2024, None), False),
    ((None, None, None, None), ("Sienna", 2024, "rear"), True),              # universal part
    (("Corolla", 2009, 2019, "front"), ("Corolla", None, "front"), True),    # year unknown: not excluded
])
def test_fits_by_model_year_and_position(part, vehicle, fits):
    models, year_from, year_to, position = part
    model, year, wanted = vehicle
    assert fitment.fits(models, year_from, year_to, position, model, year, wanted) is fits
