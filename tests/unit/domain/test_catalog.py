"""The therapist catalog the page and the backend share."""

from pathlib import Path

import pytest

from app.domain.catalog import Catalog

ROOT = Path(__file__).resolve().parents[3]
REAL = Catalog.from_json((ROOT / "static" / "data" / "therapists.json").read_text())


def test_shipped_catalog_prices_every_duration_for_every_therapist() -> None:
    for therapist in REAL.therapists:
        assert all(therapist.price_for(d) for d in (60, 90, 120))


def test_no_therapist_parameter_means_the_first_therapist() -> None:
    assert REAL.find(None) is REAL.therapists[0]
    assert REAL.find("") is REAL.therapists[0]


def test_unknown_therapist_is_none_not_an_error() -> None:
    assert REAL.find("t-nobody") is None


def test_prices_are_formatted_with_currency_and_thousands() -> None:
    assert REAL.format_price(475000) == "IDR 475,000"
    assert REAL.format_price(None) == "—"


def test_catalog_missing_a_duration_price_is_refused() -> None:
    text = '{"currency": "IDR", "therapists": [{"id": "x", "name": "X", "prices": {"60": 1, "90": 2}}]}'
    with pytest.raises(ValueError, match="120"):
        Catalog.from_json(text)
