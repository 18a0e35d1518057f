"""End to end: a crawl of a site whose pages carry personal data of every
type, per-visitor headers and URLs with session and tracking parameters
keeps none of it."""

from __future__ import annotations

import collections
import json
import re

import pytest

from crawler.headers import sha1_digest
from crawler.localweb import LocalWeb, Reply, Site, html, redirect
from tests.support import page_paths, run_crawl

HOST = "http://www.example.com"
IDENTIFIERS = [
    "jane.doe@example.com", "sales@example.com", "(415) 555-0132", "+44 20 7946 0958", "81.2.69.160",
    "2a02:8071:2c81:bf00::1", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "536-22-8912",
    "EMP-123456",
]
LOOK_ALIKES = [
    "2024-05-12", "10:30", "version 4.2.1.0", "$1,299.99", "ISBN 978-3-16-148410-0", "order #100-2345678",
    "52.5200, 13.4050", "4111 1111 1111 1112", "founded in 1990", "12.5%", "192.168.1.1",
]
CONTACT = f"""<html lang="en"><head><title>Contact</title></head><body><main><h1>Contact</h1>
<p>Write to jane.doe@example.com or mailto:sales@example.com.</p>
<p>Phone: (415) 555-0132; from abroad +44 20 7946 0958.</p>
<p>The visit came from 81.2.69.160 and 2a02:8071:2c81:bf00::1.</p>
<p>Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-8912, badge EMP-123456.</p>
<p>Published {LOOK_ALIKES[0]} at {LOOK_ALIKES[1]}; {LOOK_ALIKES[2]} costs {LOOK_ALIKES[3]}; {LOOK_ALIKES[4]};
{LOOK_ALIKES[5]}; located at {LOOK_ALIKES[6]}; reference {LOOK_ALIKES[7]}; {LOOK_ALIKES[8]}; {LOOK_ALIKES[9]} growth;
router {LOOK_ALIKES[10]}.</p>
<a href="/contact?utm_source=newsletter&amp;utm_medium=email">again</a>
</main></body></html>"""
PER_VISITOR = [("Set-Cookie", "session=abc123secret; Path=/"), ("Set-Cookie", "tracking=xyz789"),
               ("X-Request-Id", "req-5f2e9"), ("Authorization", "Bearer leaked-token")]
LINKS = [
    "/contact", "/contact?utm_source=newsletter&utm_medium=email", "/contact?fbclid=IwAR0xyz",
    "/contact;jsessionid=0123456789ABCDEF", "/contact?PHPSESSID=9f8e7d6c5b4a3f2e1d0c",
    "/people?page=2&sessionid=abc123", "/people?page=2&token=t0k3n", "/people?page=2",
    "/unsubscribe?mail=jane%40example.com", "/moved", "/notes.txt",
]
SECRETS = ["utm_", "fbclid", "jsessionid", "PHPSESSID", "sessionid", "token", "gclid", "sid=", "%40", "@"]


def sites() -> dict[str, Site]:
    return {"www.example.com": Site({
        "/": html("<main>" + "".join(f'<a href="{link}">{link}</a> ' for link in LINKS) + "</main>"),
        "/contact": Reply(body=CONTACT.encode(), headers=PER_VISITOR + [("Cache-Control", "no-cache")]),
        "/people": html("<main><p>People, page 2. Call (212) 555-0187.</p></main>"),
        "/unsubscribe": html("<main><p>You are unsubscribed.</p></main>"),
        "/moved": redirect("/landing?gclid=Cj0KCQ&sid=0123456789abcdef0123456789abcdef"),
        "/landing": html("<main><p>Landing page.</p></main>"),
        "/notes.txt": Reply(body=b"Notes: call +49 30 901820 or write to notes@example.net.\n",
                            content_type="text/plain; charset=utf-8"),
    })}


def crawl(tmp_path_factory, name: str, settings: dict):
    web = LocalWeb(sites()).start()
    result = run_crawl(web, f"{HOST}/", tmp_path_factory.mktemp(name), settings={"DOWNLOAD_DELAY": 0} | settings)
    web.stop()
    assert result.returncode == 0, result.log
    return web, result, {d["url"].removeprefix(HOST): d for d in result.documents()}


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    return crawl(tmp_path_factory, "default", {})


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    patterns = json.dumps({"badge": r"EMP-\d{6}"})
    return crawl(tmp_path_factory, "archive", {"CRAWL_PURPOSE": "archive", "PRIVACY_PATTERNS": patterns})


def test_text_keeps_no_identifier_and_every_look_alike(default):
    _, _, docs = default
    text = docs["/contact"]["text"]
    for identifier in IDENTIFIERS[:-1]:
        assert identifier not in text
    for look_alike in LOOK_ALIKES:
        assert look_alike in text
    assert "<EMAIL>" in text and "<PHONE>" in text and "<CARD>" in text and "<SSN>" in text
    assert docs["/notes.txt"]["text"] == "Notes: call <PHONE> or write to <EMAIL>.\n"


def test_the_pii_column_counts_what_was_removed(default):
    _, _, docs = default
    assert docs["/contact"]["pii"] == {"email": 2, "phone": 2, "ip": 2, "card": 1, "iban": 1, "ssn": 1,
                                       "patterns": []}
    assert docs["/people?page=2"]["pii"]["phone"] == 1
    assert docs["/landing"]["pii"] == {"email": 0, "phone": 0, "ip": 0, "card": 0, "iban": 0, "ssn": 0,
                                       "patterns": []}


def test_no_body_under_the_default_purpose_the_digest_names_the_bytes(default):
    _, _, docs = default
    assert all(d["body"] is None for d in docs.values())
    assert docs["/contact"]["digest"] == sha1_digest(CONTACT.encode())


def test_headers_keep_no_per_visitor_value(default):
    _, _, docs = default
    headers = docs["/contact"]["headers"]
    assert {"name": "Set-Cookie", "value": ""} in headers and {"name": "Authorization", "value": ""} in headers
    assert {"name": "Cache-Control", "value": "no-cache"} in headers
    values = " ".join(h["value"] for d in docs.values() for h in d["headers"])
    for secret in ("abc123secret", "xyz789", "req-5f2e9", "leaked-token"):
        assert secret not in values


def test_urls_hold_no_session_or_tracking_parameter_and_none_is_fetched_twice(default):
    web, result, docs = default
    assert sorted(docs) == ["/", "/contact", "/landing", "/notes.txt", "/people?page=2", "/unsubscribe"]
    stored = [d[column] for d in docs.values() for column in ("url", "requested_url")]
    stored += [row["url"] for row in result.audit() if row["url"]]
    for url in stored:
        assert not any(secret in url for secret in SECRETS), url
    seen = page_paths(web, "www.example.com")
    assert not any(secret in target for target in seen for secret in SECRETS), seen
    assert all(n == 1 for n in collections.Counter(seen).values()), seen
    assert "/landing" in seen  # the redirect target, without its parameters
    assert "Less private setting" not in result.log


def test_an_archive_keeps_the_exact_bytes_and_redacts_the_text(archive):
    _, result, docs = archive
    assert docs["/contact"]["body"] == CONTACT.encode()
    text = docs["/contact"]["text"]
    assert not any(identifier in text for identifier in IDENTIFIERS) and "<BADGE>" in text
    assert docs["/contact"]["pii"]["patterns"] == [{"name": "badge", "count": 1}]
    assert docs["/landing"]["pii"]["patterns"] == [{"name": "badge", "count": 0}]
    assert "Less private setting" not in result.log


def test_less_private_settings_are_warned_about_and_honoured(tmp_path_factory):
    _, result, docs = crawl(tmp_path_factory, "less", {"PRIVACY_REDACT": False, "PRIVACY_KEEP_BODY": True})
    assert re.search(r"Less private setting: PRIVACY_REDACT is off", result.log)
    assert re.search(r"Less private setting: PRIVACY_KEEP_BODY=True .* purpose ai-training", result.log)
    assert docs["/contact"]["pii"] is None and "jane.doe@example.com" in docs["/contact"]["text"]
    assert docs["/contact"]["body"] == CONTACT.encode()
