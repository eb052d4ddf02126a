"""The notification rules that need no server: which endpoints are push services, the backoff, the
signature, the texts, and the settings refused at start-up (``python -m backend`` exits 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from backend.services.dispatcher import backoff_s
from backend.services.notification_words import Facts, when, words_for
from backend.services.webhook import signature
from backend.services.webpush import endpoint_allowed, keys_valid, new_vapid_keys, public_key_of_private
from backend.core.config import DEFAULT_PUSH_SERVICES, Settings
from tests.support.push_browser import BrowserSubscription, webhook_signature_ok
from tests.support.server import ROOT

DEFAULTS = Settings(PUSH_SERVICES=DEFAULT_PUSH_SERVICES).push_origins


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:APA91b",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    "https://web.push.apple.com/QGuQyavXutnMZ",
    "https://FCM.googleapis.com:443/fcm/send/x",
])
def test_the_four_browsers_push_services_are_allowed_by_default(endpoint: str) -> None:
    assert endpoint_allowed(endpoint, DEFAULTS)


@pytest.mark.parametrize("endpoint", [
    "http://fcm.googleapis.com/fcm/send/x",              # not https
    "https://fcm.googleapis.com:8443/fcm/send/x",         # another port
    "https://fcm.googleapis.com.evil.example/x",          # a suffix is not the host
    "https://evilfcm.googleapis.com/x",
    "https://notify.windows.com/w/",                       # the wildcard is for subdomains only
    "https://x.notify.windows.com.evil.example/",
    "https://user@fcm.googleapis.com/x",                   # userinfo could confuse a parser downstream
    "https://127.0.0.1/x", "file:///etc/passwd", "not a url", "https://[::1/x",
])
def test_anything_else_is_refused(endpoint: str) -> None:
    assert not endpoint_allowed(endpoint, DEFAULTS)


def test_the_backoff_grows_fourfold_with_jitter_and_spans_about_a_day_over_eight_attempts() -> None:
    for attempt in range(1, 8):
        delay = backoff_s(attempt, 15.0)
        assert 15 * 4 ** (attempt - 1) * 0.8 <= delay <= 15 * 4 ** (attempt - 1) * 1.2
    total = sum(15 * 4 ** (attempt - 1) for attempt in range(1, 8)) / 3600
    assert 18 <= total <= 26  # hours between the first and the eighth attempt
    assert backoff_s(1, 15.0, retry_after=600) == 600  # a longer Retry-After wins


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_raw_body() -> None:
    body = b'{"id": "ntf_1", "text": "Hi"}'
    header = signature(body, "secret", timestamp=1764757392)
    assert header.startswith("t=1764757392,v1=") and len(header.split("v1=")[1]) == 64
    fresh = signature(body, "secret")
    assert webhook_signature_ok(fresh, body, "secret")
    assert not webhook_signature_ok(fresh, body, "another secret")
    assert not webhook_signature_ok(fresh, body.replace(b"Hi", b"Ho"), "secret")
    assert not webhook_signature_ok(header, body, "secret")  # too old: a replay


def test_vapid_keys_are_a_p256_pair_whose_public_half_the_pages_get() -> None:
    private, public = new_vapid_keys()
    assert public_key_of_private(private) == public
    assert keys_valid(public, "A" * 22) == (True, True)  # 65-byte point, 16 bytes of auth
    assert keys_valid(BrowserSubscription().p256dh, "AAAA") == (True, False)


def test_texts_name_the_time_in_the_therapists_zone_in_either_language() -> None:
    wita = timezone(timedelta(hours=8))
    starts = datetime(2026, 12, 8, 15, 0, tzinfo=wita)
    assert when(starts, "WITA", "en") == "Tue 8 Dec, 15:00 WITA"
    assert when(starts, "WITA", "id") == "Sel 8 Des, 15:00 WITA"
    facts = Facts(customer="Ana", therapist="Ayu", starts_at=starts, zone_label="WITA", minutes=90, reason="Too far")
    assert words_for("booking_declined", "customer", "en", facts) == (
        "Declined", "Ayu declined your request for Tue 8 Dec, 15:00 WITA: Too far")
    assert words_for("booking_requested", "therapist", "id-ID", facts) == (
        "Permintaan booking baru", "Ana: Sel 8 Des, 15:00 WITA, 90 menit")


@pytest.mark.parametrize(("setting", "says"), [
    ({"NOTIFY_WEBHOOK_URL": "ftp://hooks.example/x", "NOTIFY_WEBHOOK_SECRET": "s"}, "NOTIFY_WEBHOOK_URL"),
    ({"NOTIFY_WEBHOOK_URL": "https://hooks.example/x"}, "NOTIFY_WEBHOOK_SECRET must be set"),
    ({"VAPID_PRIVATE_KEY": "not-a-key", "VAPID_SUBJECT": "mailto:a@example.com"}, "VAPID_PRIVATE_KEY"),
    ({"VAPID_SUBJECT": "ops@example.com"}, "VAPID_SUBJECT"),
    ({"PUSH_SERVICES": "https://push.example/path"}, "PUSH_SERVICES"),
])
def test_a_bad_notification_setting_stops_the_server_at_start_up(setting: dict[str, str], says: str,
                                                                  tmp_path: object) -> None:
    env = {**os.environ, "DATABASE_URL": f"{tmp_path}/b.sqlite3", "PORT": "0", **setting}
    result = subprocess.run([sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and says in result.stderr, result.stderr


def test_the_readmes_ten_lines_verify_our_signature_and_refuse_a_changed_body() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Notifications"):]
    code = section[section.index("```python") + len("```python"):section.index("```", section.index("```python") + 3)]
    assert len(code.strip().splitlines()) <= 10
    scope: dict = {}
    exec(code, scope)  # noqa: S102 - the README's own snippet, run as a reader would paste it
    body = b'{"id": "ntf_1", "type": "message"}'
    assert scope["verify"](signature(body, "s3cret"), body, "s3cret")
    assert not scope["verify"](signature(body, "s3cret"), body + b" ", "s3cret")
    assert not scope["verify"](signature(body, "s3cret", timestamp=1_000_000_000), body, "s3cret")
