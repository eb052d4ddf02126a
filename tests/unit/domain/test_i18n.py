"""app.domain.i18n: English in the core, the reader's language when a sentence is shown."""

from __future__ import annotations

import gettext
import io
import json
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from app.domain import i18n, words
from app.domain.i18n import Foreign, Price, Text, join, translate, translate_or
from app.outbox.responses import server_field_errors


def _translations(table: dict[str, str]) -> gettext.GNUTranslations:
    catalog = Catalog(locale="id", domain="chatbooking")
    for english, indonesian in table.items():
        catalog.add(english, indonesian)
    out = io.BytesIO()
    write_mo(out, catalog)
    out.seek(0)
    return gettext.GNUTranslations(out)


@pytest.fixture
def indonesian() -> Iterator[None]:
    i18n.use("id", _translations({
        "Saving failed ({detail})": "Gagal menyimpan ({detail})", "Sent": "Terkirim",
        "Saved {ago}": "Tersimpan {ago}", "{n} min ago": "{n} menit lalu", "{a}{b}": "{a}{b}",
        "Your name must be at least 2 characters": "Nama Anda minimal 2 karakter",
        "This was not accepted. Please check it and try again.": "Tidak dapat diterima.",
        "The chat service did not accept this message.": "Layanan chat tidak menerima pesan ini.",
        "Broken {detail}": "Rusak {detil}",
    }))
    yield
    i18n.use("en")


def test_a_text_is_its_english_so_the_core_and_its_tests_read_english() -> None:
    text = words.saving_failed("quota")
    assert text == "Saving failed (quota)"
    assert json.dumps({"m": text}) == '{"m": "Saving failed (quota)"}'
    assert words.INBOX_SIGN_IN_FAILED.format(status=500).endswith("(it answered 500). Please try again.")


def test_translate_says_a_text_with_its_values_in_the_language_spoken_now(indonesian: None) -> None:
    assert translate(words.saving_failed("quota")) == "Gagal menyimpan (quota)"
    assert translate(Text("Saved {ago}", ago=Text("{n} min ago", n=3))) == "Tersimpan 3 menit lalu"
    assert translate("Sent") == "Terkirim"  # a plain message id (e.g. a state read back from storage)
    assert translate("Ana Putri") == "Ana Putri"  # not ours: unchanged
    assert translate("") == ""  # not the catalog's header
    i18n.use("en")
    assert translate(words.saving_failed("quota")) == "Saving failed (quota)"


def test_format_and_plus_keep_a_text_translatable(indonesian: None) -> None:
    note = Text("Sent") + " ✓"
    assert note == "Sent ✓" and translate(note) == "Terkirim ✓"
    assert translate(join("; ", [Text("Sent"), Text("Sent")])) == "Terkirim; Terkirim"


def test_a_broken_translation_shows_the_english_instead_of_breaking_the_page(indonesian: None) -> None:
    assert translate(Text("Broken {detail}", detail="x")) == "Broken x"


def test_prices_are_rupiah_the_indonesian_way_and_idr_the_english_way(indonesian: None) -> None:
    price = Price("IDR", 350_000)
    assert price == "IDR 350,000"
    assert translate(price) == "Rp\u00a0350.000"  # never broken between "Rp" and the amount
    assert translate(Text("Total {price}", price=Price("IDR", 1_250_000))) == "Total Rp\u00a01.250.000"
    i18n.use("en")
    assert translate(price) == "IDR 350,000"
    assert translate(Price("IDR", None)) == "—"


def test_a_server_error_shows_its_english_detail_in_english_and_our_words_in_indonesian(indonesian: None) -> None:
    body = json.dumps({"detail": "Invalid booking", "errors": [
        {"field": "customer_name", "message": "String should have at least 2 characters",
         "type": "string_too_short"}]})
    [(field, sentence)] = server_field_errors(body)
    assert field == "customer_name"
    assert translate(sentence) == "Nama Anda minimal 2 karakter"
    [(_, summary)] = server_field_errors('{"detail": "Price does not match the therapist"}')
    assert translate(summary) == "Tidak dapat diterima."
    i18n.use("en")
    assert translate(sentence) == "Your name: String should have at least 2 characters"
    assert isinstance(sentence, Foreign)


def test_an_english_reason_kept_from_before_a_reload_is_said_in_our_words(indonesian: None) -> None:
    fallback = words.MESSAGE.rejected
    assert translate_or("Message: too long", fallback) == "Layanan chat tidak menerima pesan ini."
    assert translate_or("Sent", fallback) == "Terkirim"
    i18n.use("en")
    assert translate_or("Message: too long", fallback) == "Message: too long"
