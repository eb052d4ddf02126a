"""Both pages in Bahasa Indonesia and English: the browser's languages decide, the switch overrides.

An ``id-ID`` browser must see no English sentence of our catalog anywhere: the tests walk the
visible text (and the placeholders, ``aria-label``s and the title) of each state they reach, from
the boot screen with the runtime held back to a refused chat message and full storage.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.chat_helpers import TherapistApi, wait_until
from tests.browser.conftest import BOOT_TIMEOUT_MS, wait_ready
from tests.browser.helpers import FIRST_THERAPIST, current_session, guarded_context, open_window
from tests.browser.test_draft_persistence import QUOTA_FULL
from tests.support.server import ROOT

LANGUAGE_KEY = "chatbooking:v1:language"
WASM = "**/pyodide.asm.wasm"
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "chatbooking.po"
# Every visible text node, and the words a person meets without reading the page: placeholders,
# accessible names we set, the title. Only what is rendered (hidden panels and closed dialogs are not).
VISIBLE_TEXTS = """() => {
  const PEOPLE_WROTE = ".message__text, .conversation__snippet, .conversation__name, [data-wrote]";
  const seen = [document.title];
  const visible = (el) => el && el.checkVisibility && el.checkVisibility({visibilityProperty: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    // What people wrote (messages, names, the list's snippets) is never translated: not ours to check.
    if (node.parentElement.closest(PEOPLE_WROTE)) continue;
    if (node.data.trim() && visible(node.parentElement)) seen.push(node.data.trim());
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label]')) {
    if (!visible(el)) continue;
    for (const name of ['placeholder', 'aria-label']) if (el.getAttribute(name)) seen.push(el.getAttribute(name));
  }
  return seen;
}"""


def _english_sentences() -> list[tuple[str, re.Pattern]]:
    """Our catalog's English, as patterns (a placeholder matches anything), for every entry whose
    Indonesian differs (``Hotel``, ``Total`` and ``Chat`` are the same word in both)."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="id")
    found = []
    for message in catalog:
        if not message.id or message.string == message.id:
            continue
        pieces = [re.escape(piece.strip()) for piece in re.split(r"\{\w+\}", message.id)]
        pattern = r".*".join(piece for piece in pieces if piece)
        if len(pattern.replace("\\", "")) < 4:
            continue  # "({name})", "{what}.": nothing English in them
        found.append((message.id, re.compile(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])")))
    return found


ENGLISH = _english_sentences()


def expect_no_english(page: Page, where: str) -> list[str]:
    texts = page.evaluate(VISIBLE_TEXTS)
    english = sorted({msgid for text in texts for msgid, pattern in ENGLISH if pattern.search(text)})
    assert not english, f"{where}: English on the Indonesian page: {english}\n(visible: {texts})"
    return texts


def _hold(page: Page) -> list:
    held: list = []
    page.route(WASM, lambda route: held.append(route))
    return held


def _wait_for(page: Page, condition) -> None:
    for _ in range(BOOT_TIMEOUT_MS // 50):
        if condition():
            return
        page.wait_for_timeout(50)  # lets Playwright dispatch the route handler
    pytest.fail("timed out")


def _release(page: Page, held: list) -> None:
    for route in held:
        route.continue_()
    page.unroute(WASM)


def test_an_indonesian_browser_gets_the_booking_window_in_indonesian_everywhere(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, locale="id-ID", service_workers="block",
                         allowed_console_errors=("status of 422",)) as (context, _):
        page = context.new_page()
        held = _hold(page)
        page.goto(f"/?therapist={FIRST_THERAPIST}")
        _wait_for(page, lambda: bool(held))
        # The boot screen, written before Python runs: boot.js and the static page from the JSON catalog.
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.get_by_role("status").filter(has_text="Memuat halaman pemesanan")).to_be_visible()
        expect(page.get_by_label("Nama Anda")).to_be_visible()
        page.get_by_label("Nama Anda").fill("Ana")
        page.get_by_role("button", name="Pesan sekarang").click()  # before ready: kept, checked once ready
        expect(page.get_by_role("status").filter(has_text="Memeriksa pemesanan Anda…")).to_be_visible()
        expect_no_english(page, "boot screen")
        _release(page, held)
        wait_ready(page)

        # Ready: prices the Indonesian way, and still no English.
        expect(page.locator("[data-price-for='60']")).to_have_text("Rp 350.000")
        expect(page.get_by_role("radio", name="60 menit")).to_be_visible()
        expect(page.get_by_role("list", name="Riwayat chat")).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="Tersimpan")).to_be_visible(timeout=15_000)
        expect_no_english(page, "ready")

        # A validation failure names the fields in Indonesian.
        page.get_by_label("Nama Anda").fill("")
        page.get_by_role("button", name="Pesan sekarang").click()
        alert = page.locator("#validation-errors")
        expect(alert).to_contain_text("Nama Anda wajib diisi")
        expect(alert).to_contain_text("Silakan perbaiki hal berikut sebelum memesan:")
        expect_no_english(page, "validation failure")

        # A message the server refuses: "Not sent" with the page's own reason, not the API's English.
        # The page sends nothing the server refuses, so the POST reaches the real server with a text it
        # really refuses (a direction override), and its own English 422 comes back.
        def refuse(route) -> None:
            if route.request.method != "POST":
                return route.continue_()
            body = json.loads(route.request.post_data or "{}")
            return route.continue_(post_data=json.dumps(body | {"message": body["message"] + " \u202e"}))

        page.route("**/api/conversations/**", refuse)
        page.get_by_label("Pesan", exact=True).fill("Halo, besok jam 3 bisa?")
        page.get_by_label("Pesan", exact=True).press("Enter")
        message = page.locator("li.message--customer").last
        expect(message.locator(".message__status")).to_have_text("Tidak terkirim")
        expect(message.get_by_role("button", name=re.compile("^Coba lagi"))).to_be_visible()
        expect(message).to_contain_text("Tidak dapat diterima")
        expect_no_english(page, "Not sent")
        page.unroute("**/api/conversations/**")

        # The notification switch, shown since a message was sent; refused (headless Chromium says "denied").
        switch = page.get_by_role("switch", name=re.compile("^Beri tahu saya saat .+ membalas$"))
        expect(switch).to_be_visible()
        switch.click()
        expect(page.locator("#push-note")).to_have_text("Notifikasi diblokir di pengaturan browser ini")
        expect_no_english(page, "notification switch refused")

        # Each dialog, opened and read (Cancel booking is there only with a draft to discard).
        page.get_by_label("Nama Anda").fill("Ana")
        for opener, title in (("Hapus chat", "Hapus chat ini?"),
                              ("Batalkan pemesanan", "Hapus draf pemesanan ini?"),
                              ("Lupakan saya di perangkat ini", "Lupakan saya di perangkat ini?")):
            page.get_by_role("button", name=opener, exact=True).click()
            dialog = page.get_by_role("dialog", name=title)
            expect(dialog).to_be_visible()
            expect_no_english(page, f"dialog {title}")
            dialog.press("Escape")
            expect(dialog).to_be_hidden()

        # Storage full: the warnings are Indonesian too.
        context.add_init_script(QUOTA_FULL)
        page.reload()
        wait_ready(page)
        page.get_by_label("Nama Anda").fill("Ana Putri")  # the first save finds the storage full
        expect(page.locator("#autosave-status")).to_contain_text("Penyimpanan di browser ini penuh atau diblokir")
        expect_no_english(page, "storage full")


def test_the_switch_changes_the_language_at_once_and_keeps_what_was_typed(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, locale="id-ID", service_workers="block") as (context, _):
        page = context.new_page()
        open_window(page)
        page.evaluate("window.notReloaded = true")
        page.get_by_label("Nama Anda").fill("Ana Putri")
        page.get_by_label("Pesan", exact=True).fill("Halo")
        expect(page.get_by_role("group", name="Bahasa").get_by_role("button", name="Bahasa Indonesia")) \
            .to_have_attribute("aria-pressed", "true")

        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_label("Your name")).to_have_value("Ana Putri")
        expect(page.get_by_label("Message", exact=True)).to_have_value("Halo")
        expect(page.get_by_role("button", name="Order now")).to_be_visible()
        expect(page.locator("#total-price")).to_have_text("—")
        expect(page.locator("[data-price-for='60']")).to_have_text("IDR 350,000")
        expect(page.locator("#autosave-status")).to_contain_text("Saved")
        expect(page).to_have_title(re.compile("^Chat & book with "))

        page.get_by_role("button", name="Bahasa Indonesia").click()
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.get_by_label("Nama Anda")).to_have_value("Ana Putri")
        expect(page.get_by_label("Pesan", exact=True)).to_have_value("Halo")
        expect(page.locator("[data-price-for='60']")).to_have_text("Rp 350.000")
        expect(page).to_have_title(re.compile("^Chat & pesan dengan "))
        assert page.evaluate("window.notReloaded") is True
        expect_no_english(page, "after switching back")


def test_an_english_browser_gets_english_and_the_choice_lasts_until_forget_me(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, locale="en-US", service_workers="block") as (context, _):
        page = context.new_page()
        open_window(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="Order now")).to_be_visible()
        expect(page.locator("[data-price-for='60']")).to_have_text("IDR 350,000")

        page.get_by_role("button", name="Bahasa Indonesia").click()
        expect(page.get_by_role("button", name="Pesan sekarang")).to_be_visible()
        assert page.evaluate("k => localStorage.getItem(k)", LANGUAGE_KEY) == "id"
        page.reload()
        wait_ready(page)
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.get_by_role("button", name="Pesan sekarang")).to_be_visible()

        page.get_by_role("button", name="Lupakan saya di perangkat ini", exact=True).click()
        page.get_by_role("dialog").get_by_role("button", name="Lupakan saya", exact=True).click()
        page.wait_for_load_state()
        wait_ready(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="Order now")).to_be_visible()
        assert page.evaluate("k => localStorage.getItem(k)", LANGUAGE_KEY) is None


def test_a_runtime_that_cannot_load_says_so_in_indonesian(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, locale="id-ID", service_workers="block")
    try:
        page = context.new_page()
        page.route(WASM, lambda route: route.abort())
        page.goto("/inbox.html")
        expect(page.locator("html")).to_have_attribute("data-app-state", "error", timeout=BOOT_TIMEOUT_MS)
        alert = page.get_by_role("alert").filter(has_text="tidak dapat dimulai")
        expect(alert).to_contain_text("Kotak masuk tidak dapat dimulai. Silakan muat ulang halaman.")
        expect(alert).to_contain_text("Komponen halaman (pyodide.asm.wasm) tidak dapat diunduh.")
        expect_no_english(page, "boot error")
    finally:
        context.close()


def _customer_writes(live_server: str, text: str) -> str:
    """A customer (over the real API) starts a conversation with Ayu; returns its session id."""
    customer, token = str(uuid.uuid4()), uuid.uuid4().hex + uuid.uuid4().hex
    session = f"session_{FIRST_THERAPIST}_{customer}"
    answer = httpx.post(f"{live_server}/api/conversations/{session}/messages",
                        headers={"Authorization": f"Bearer {token}"}, timeout=15,
                        json={"id": str(uuid.uuid4()), "sender_id": customer, "sender_type": "customer",
                              "message": text, "timestamp": 1_760_000_000_000})
    assert answer.status_code in (200, 201), answer.text
    return session


def test_an_indonesian_therapist_gets_the_inbox_in_indonesian(browser: Browser, live_server: str,
                                                               ayu_token: str) -> None:
    session = _customer_writes(live_server, "Halo, apakah besok sore bisa?")
    ayu = TherapistApi(live_server, ayu_token)
    wait_until(lambda: any(c["session_id"] == session for c in ayu.conversations()))
    with guarded_context(browser, live_server, locale="id-ID", service_workers="block",
                         allowed_console_errors=("401",)) as (context, _):
        page = context.new_page()
        held = _hold(page)
        page.goto("/inbox.html")
        _wait_for(page, lambda: bool(held))
        expect(page.get_by_role("status").filter(has_text="Memuat kotak masuk")).to_be_visible()
        expect_no_english(page, "inbox boot screen")
        _release(page, held)
        wait_ready(page)
        expect(page).to_have_title("Kotak masuk · Chat Booking")

        page.get_by_role("button", name="Masuk", exact=True).click()
        expect(page.locator("#signin-message")).to_have_text("Silakan tempel token akses yang Anda terima.")
        expect_no_english(page, "sign-in")
        page.get_by_label("Token akses").fill(ayu_token)
        page.get_by_role("button", name="Masuk", exact=True).click()
        expect(page.get_by_role("heading", name="Daftar percakapan")).to_be_visible()
        switch = page.get_by_role("switch", name="Beri tahu saya di perangkat ini")
        expect(switch).to_be_visible()
        expect_no_english(page, "inbox with its notification switch")
        switch.click()
        expect(page.locator("#push-note")).to_have_text("Notifikasi diblokir di pengaturan browser ini")
        expect_no_english(page, "inbox notification switch refused")
        page.locator(f"button[data-session='{session}']").click()
        expect(page.get_by_role("log", name="Pesan")).to_contain_text("Halo, apakah besok sore bisa?")
        expect(page.locator("#bookings")).to_contain_text("Belum ada pemesanan dengan Anda.")
        expect_no_english(page, "open conversation")

        page.get_by_label("Balasan", exact=True).fill("Bisa, jam 3?")
        page.get_by_role("button", name="English").click()
        expect(page.get_by_label("Reply", exact=True)).to_have_value("Bisa, jam 3?")
        expect(page.locator("#bookings")).to_contain_text("No bookings with you yet.")
        page.get_by_role("button", name="Bahasa Indonesia").click()
        expect(page.locator("#bookings")).to_contain_text("Belum ada pemesanan dengan Anda.")
        expect_no_english(page, "inbox after switching back")


def test_an_indonesian_customer_books_a_time_and_reads_the_request_in_indonesian(
        browser: Browser, live_server: str) -> None:
    with guarded_context(browser, live_server, locale="id-ID", timezone_id="Europe/Berlin") as (context, _):
        page = context.new_page()
        page.goto("/?therapist=t-sari")
        wait_ready(page)
        when = page.get_by_role("group", name="Kapan")
        when.get_by_role("radio", name="Pilih waktu").check()
        expect(page.get_by_label("Tanggal", exact=True)).to_be_visible()
        starts = page.get_by_label("Waktu mulai")
        dates = page.get_by_label("Tanggal", exact=True)
        dates.select_option(index=1)  # tomorrow: Sari works 11.00-23.00 every day
        # Berlin is 7 hours behind WITA: the customer's own clock, said the Indonesian way (15.00).
        expect(starts.locator("option").nth(1)).to_have_text(re.compile(r"^\d\d\.\d\d WITA \(\d\d\.\d\d waktu Anda\)$"))
        starts.select_option(index=1)
        expect_no_english(page, "choose a time")

        page.get_by_role("radio", name=re.compile("^90 menit")).check()
        page.get_by_label("Nama Anda").fill("Ana Putri")
        page.get_by_label("Nomor WhatsApp").fill("+62 812 3456 7890")
        page.get_by_label("Lokasi").select_option(label="Hotel")
        page.get_by_label("Alamat").fill("Hotel Tugu, kamar 12")
        page.get_by_label("Pijat untuk").select_option(label="Saya sendiri")
        page.get_by_role("button", name="Pesan sekarang").click()
        booking = page.get_by_role("region", name="Pemesanan Anda")
        expect(booking).to_contain_text("Menunggu Sari Dewi menerima", timeout=30_000)
        expect(page.get_by_role("list", name="Riwayat chat")).to_contain_text("Anda meminta pemesanan kepada Sari Dewi")
        expect_no_english(page, "request sent")

        booking.get_by_role("button", name="Batalkan pemesanan ini").click()
        dialog = page.get_by_role("dialog", name=re.compile("^Batalkan pemesanan Anda untuk"))
        expect(dialog).to_be_visible()
        expect_no_english(page, "cancel dialog")
        dialog.press("Escape")
