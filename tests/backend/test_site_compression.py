"""The page's files as the backend sends them: brotli or gzip when accepted, exact bytes, cache headers.

A real server (``python -m backend``) serves a small site folder (``SITE_ROOT``) laid out like a
build: a runtime file with the ``.br``/``.gz`` copies the build writes, a hashed PyScript chunk,
the page and an app module (compressed on the fly). Bodies are read raw (``iter_raw``), so every
test sees the bytes on the wire and decodes them itself.
"""

from __future__ import annotations

import gzip
import os
import random
from collections.abc import Iterator
from pathlib import Path

import brotli
import httpx
import pytest

from tests.backend.conftest import QUIET_ENV
from tests.support.server import running_server

WASM = "static/vendor/pyodide/pyodide.asm.wasm"
CHUNK = "static/vendor/pyscript/core-C9KDLldu.js"
ZIP = "static/vendor/pyodide/python_stdlib.zip"


def _payload(size: int) -> bytes:
    rng = random.Random(7)
    words = [bytes(rng.choices(range(97, 123), k=rng.randint(2, 9))) for _ in range(300)]
    return b" ".join(rng.choice(words) for _ in range(size // 5))[:size]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("site")
    files = {"index.html": b"<!doctype html><title>page</title>" + _payload(4000),
             "app/__init__.py": b'"""app"""\n' + _payload(3000), WASM: _payload(200_000),
             CHUNK: _payload(50_000), ZIP: _payload(10_000), "static/js/boot.js": _payload(5000)}
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    wasm = root / WASM
    # Deliberately different from what a fresh compression would give, so the test proves
    # the precompressed copy is the one sent (both still decode to the file).
    wasm.with_name(wasm.name + ".br").write_bytes(brotli.compress(files[WASM], quality=1))
    wasm.with_name(wasm.name + ".gz").write_bytes(gzip.compress(files[WASM], compresslevel=1, mtime=0))
    later = wasm.stat().st_mtime_ns + 1_000_000
    for suffix in (".br", ".gz"):
        os.utime(wasm.with_name(wasm.name + suffix), ns=(later, later))
    database = tmp_path_factory.mktemp("db") / "bookings.sqlite3"
    with running_server(database, env=QUIET_ENV | {"SITE_ROOT": str(root)}) as url:
        yield url, root


def raw_get(url: str, path: str, accept: str | None, **headers: str) -> tuple[httpx.Response, bytes]:
    with httpx.Client(timeout=10) as client:
        if accept is None:
            del client.headers["Accept-Encoding"]  # httpx's default; None sends no such header at all
        else:
            client.headers["Accept-Encoding"] = accept
        with client.stream("GET", url + "/" + path, headers=headers) as response:
            return response, b"".join(response.iter_raw())


def decoded(response: httpx.Response, body: bytes) -> bytes:
    encoding = response.headers.get("content-encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


@pytest.mark.parametrize("path", [WASM, "index.html", "app/__init__.py", CHUNK])
def test_a_brotli_response_decodes_to_the_exact_file(site: tuple[str, Path], path: str) -> None:
    url, root = site
    response, body = raw_get(url, path, "gzip, deflate, br")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["vary"] == "Accept-Encoding"
    assert brotli.decompress(body) == (root / path).read_bytes()
    assert len(body) < (root / path).stat().st_size


def test_the_precompressed_copy_written_by_the_build_is_the_one_sent(site: tuple[str, Path]) -> None:
    url, root = site
    wasm = root / WASM
    _response, body = raw_get(url, WASM, "br")
    assert body == wasm.with_name(wasm.name + ".br").read_bytes()
    response, body = raw_get(url, WASM, "gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert body == wasm.with_name(wasm.name + ".gz").read_bytes()
    assert response.headers["content-type"] == "application/wasm"


@pytest.mark.parametrize("path", ["index.html", "app/__init__.py"])
def test_a_gzip_only_client_gets_gzip_that_decodes_to_the_exact_file(site: tuple[str, Path],
                                                                      path: str) -> None:
    url, root = site
    response, body = raw_get(url, path, "gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (root / path).read_bytes()


@pytest.mark.parametrize("accept", [None, "identity", "deflate", "gzip;q=0, br;q=0", "*;q=0"])
def test_without_gzip_or_brotli_accepted_the_plain_file_is_sent(site: tuple[str, Path],
                                                                accept: str | None) -> None:
    url, root = site
    for path in (WASM, "index.html"):
        response, body = raw_get(url, path, accept)
        assert "content-encoding" not in response.headers
        assert body == (root / path).read_bytes()
        assert response.headers["vary"] == "Accept-Encoding"  # a cache must not reuse it for gzip clients


def test_zips_are_sent_as_they_are(site: tuple[str, Path]) -> None:
    url, root = site
    response, body = raw_get(url, ZIP, "gzip, br")
    assert "content-encoding" not in response.headers
    assert body == (root / ZIP).read_bytes()


def test_the_compressed_copies_themselves_are_not_served(site: tuple[str, Path]) -> None:
    url, _root = site
    for suffix in (".br", ".gz"):
        assert raw_get(url, WASM + suffix, "br")[0].status_code == 404


def test_hashed_files_are_immutable_and_everything_else_is_revalidated(site: tuple[str, Path]) -> None:
    url, _root = site
    for path in (CHUNK, WASM + "?v=0123abcd4567ef89"):
        for accept in ("br", "gzip", "identity"):
            control = raw_get(url, path, accept)[0].headers["cache-control"]
            assert "immutable" in control and "max-age=31536000" in control, (path, accept)
    for path in ("", "index.html", "index.html?therapist=t-ayu", WASM, "app/__init__.py",
                 "static/js/boot.js", WASM + "?v=nothex"):
        assert raw_get(url, path, "br")[0].headers["cache-control"] == "no-cache", path


def test_an_unchanged_on_the_fly_response_revalidates_to_304(site: tuple[str, Path]) -> None:
    url, _root = site
    first, _body = raw_get(url, "index.html", "br")
    again, body = raw_get(url, "index.html", "br", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and body == b""
    gzip_first, _body = raw_get(url, "index.html", "gzip")
    assert gzip_first.headers["etag"] != first.headers["etag"]  # one ETag per encoding


@pytest.mark.parametrize(("path", "accept"), [(WASM, "br"), (WASM, "gzip"), (WASM, "identity"),
                                              (ZIP, "br"), ("index.html", "identity")])
def test_every_file_revalidates_to_304_with_its_etag(site: tuple[str, Path], path: str, accept: str) -> None:
    url, _root = site
    first, _body = raw_get(url, path, accept)
    again, body = raw_get(url, path, accept, **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and body == b""
    other = "identity" if accept != "identity" else "br"
    changed, body = raw_get(url, path, other, **{"If-None-Match": first.headers["etag"]})
    if path != ZIP:  # a zip has one encoding only
        assert changed.status_code == 200 and body  # another encoding is other bytes: sent in full
