"""What the backend's origin tells the browser: the page's CSP with frame-ancestors, nosniff everywhere,
no third-party /docs by default, HEAD on page files, and a 404 (not a 500) for impossible paths."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.http.headers import page_policy
from tests.backend.conftest import QUIET_ENV, Server
from tests.support.server import ROOT, running_server

FRAMERS = "https://shop.example https://partner.example:8443"


def _meta_policy() -> str:
    html = (ROOT / "index.html").read_text(encoding="utf-8")
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def framed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("framed") / "bookings.sqlite3"
    with running_server(database, env=QUIET_ENV | {"FRAME_ANCESTORS": FRAMERS, "API_DOCS": "1"}) as url:
        yield Server(url, database)


def test_the_page_carries_its_meta_policy_as_a_header_with_frame_ancestors_self(api: httpx.Client) -> None:
    response = api.get("/")
    assert response.headers["Content-Security-Policy"] == _meta_policy() + "; frame-ancestors 'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_frame_ancestors_lists_the_configured_origins_and_drops_x_frame_options(framed: Server) -> None:
    response = httpx.get(framed.url + "/index.html")
    assert response.headers["Content-Security-Policy"].endswith(f"; frame-ancestors 'self' {FRAMERS}")
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("value", ["*", "shop.example", "https://shop.example/path", "javascript:alert(1)",
                                   "https://*.example", "'none'"])
def test_frame_ancestors_that_are_not_http_origins_stop_the_server(tmp_path: Path, value: str) -> None:
    env = {"DATABASE_URL": str(tmp_path / "b.sqlite3"), "FRAME_ANCESTORS": value, "PORT": "0"}
    result = subprocess.run([sys.executable, "-m", "backend"], cwd=ROOT, env={**os.environ, **QUIET_ENV, **env},
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode != 0 and "FRAME_ANCESTORS" in result.stderr


@pytest.mark.parametrize("path", ["/api/health", "/openapi.json", "/static/data/therapists.json",
                                  "/api/no-such-thing"])
def test_every_answer_says_nosniff_and_api_answers_are_not_cached(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if path.startswith("/api/"):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_policy_is_read_from_index_html() -> None:
    assert page_policy(ROOT) == _meta_policy()
    assert "frame-ancestors" not in page_policy(ROOT)


def test_docs_are_off_by_default_and_openapi_stays(api: httpx.Client, framed: Server) -> None:
    assert api.get("/docs").status_code == 404
    assert api.get("/redoc").status_code == 404
    assert api.get("/openapi.json").status_code == 200
    assert "swagger" in httpx.get(framed.url + "/docs").text.lower()  # API_DOCS=1


@pytest.mark.parametrize("path", ["/", "/index.html", "/static/data/therapists.json", "/pyscript.toml"])
def test_head_on_page_files_answers_headers_without_a_body(api: httpx.Client, path: str) -> None:
    head, get = api.head(path), api.get(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    # The same headers as GET, length included (of the body GET sends: compressed when it is).
    assert head.headers.get("content-encoding") == get.headers.get("content-encoding")
    assert head.headers["content-length"] == get.headers["content-length"]


@pytest.mark.parametrize("path", ["/static/" + "a" * 300, "/static/" + "b" * 256 + "/x.js",
                                  "/static/data/" + "c" * 5000 + ".json"])
def test_a_path_segment_too_long_for_the_file_system_is_404(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404 and response.json() == {"detail": "Not found"}
