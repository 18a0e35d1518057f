"""Log lines are safe to read and to grep, whoever wrote them."""

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Spider
from scrapy.exceptions import DropItem

from crawler.extensions.logsafe import SafeLogRecord
from crawler.logformatter import DocumentLogFormatter
from crawler.reasons import escape, safe_message, skip_message


@pytest.mark.parametrize(
    "text, safe",
    [
        ("plain text", "plain text"),
        ("encoding(s) 'x-\x1b[31mred\x07'", "encoding(s) 'x-\\x1b[31mred\\x07'"),
        ("a\rb", "a\\x0db"),
        ("dump:\n{'a': 1,\n 'b': 2}", "dump:\n  {'a': 1,\n   'b': 2}"),  # continuation lines indented
        ("url\n2026-01-01 00:00:00 [x] INFO: forged", "url\n  2026-01-01 00:00:00 [x] INFO: forged"),
        ("C:\\path and \\x1b as text", "C:\\path and \\x1b as text"),  # backslashes are not doubled
        ("Redirecting to <GET http://user:pw@example.com/x>", "Redirecting to <GET http://***@example.com/x>"),
        ("https://a:b@c@example.com:8080/x?y=@", "https://***@example.com:8080/x?y=@"),
        ("UA (+https://example.org/bot; bot@example.org)", "UA (+https://example.org/bot; bot@example.org)"),
        ("mail me@example.com", "mail me@example.com"),
        ("\u2028line separator", "\\u2028line separator"),
    ],
)
def test_safe_message(text, safe):
    assert safe_message(text) == safe


@given(st.text(max_size=80))
def test_a_safe_message_starts_no_line_and_holds_no_control_character(text):
    safe = safe_message(text)
    first, *rest = safe.split("\n")
    assert first.isprintable() and all(line.startswith("  ") and line.isprintable() for line in rest)


@given(st.text(max_size=80).filter(lambda t: "@" not in t))  # with "@", a user:pw@ would be redacted
def test_the_crawler_own_lines_pass_unchanged(text):
    line = skip_message("trap", "http://e.com/" + text, text)
    assert safe_message(line) == line
    assert safe_message(escape(text)) == escape(text)


def record(msg, args=(), exc_info=None):
    return SafeLogRecord("scrapy.x", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_records_are_safe_whatever_the_formatter():
    formatter = logging.Formatter("%(levelname)s: %(message)s")
    assert formatter.format(record("cannot decode %s", ("x-\x1b[31m",))) == "WARNING: cannot decode x-\\x1b[31m"
    try:
        raise ValueError("bad\nERROR: forged line\x1b[0m")
    except ValueError as error:
        text = formatter.format(record("failed", exc_info=(type(error), error, error.__traceback__)))
    assert "\x1b" not in text and "\n  ValueError: bad\n  ERROR: forged line\\x1b[0m" in text
    assert not [line for line in text.splitlines()[1:] if line.startswith(("ERROR", "ValueError"))]


DOCUMENT = {"url": "http://www.example.com/a", "body": b"BODY" * 1000, "text": "TEXT " * 1000}


def formatted(result):
    return result["msg"] % result["args"]


def test_documents_are_named_by_their_url_in_item_lines():
    formatter = DocumentLogFormatter()
    failed = formatter.item_error(DOCUMENT, ValueError("x"), None, None)
    assert (failed["level"], formatted(failed)) == (logging.ERROR, "Error processing the document of http://www.example.com/a")
    assert formatted(formatter.dropped(DOCUMENT, DropItem("duplicate", "WARNING"), None, Spider("s"))) == (
        "Dropped the document of http://www.example.com/a: duplicate")
    assert formatted(formatter.scraped(DOCUMENT, None, Spider("s"))).startswith(
        "Scraped the document of http://www.example.com/a from ")
    assert formatted(formatter.item_error(["not", "a", "document"], ValueError("x"), None, None)) == (
        "Error processing an item of type list")


@pytest.mark.parametrize("level, written", [("DEBUG", True), ("INFO", False), ("WARNING", False)])
def test_page_lines_at_debug_are_made_only_when_written(level, written):
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    formatter = DocumentLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": level}))
    request = Request("http://www.example.com/a")
    response = HtmlResponse(request.url, body=b"<p>a</p>", request=request)
    for line in (formatter.crawled(request, response, None), formatter.scraped(DOCUMENT, response, None)):
        assert (line is not None) == written
        if written:
            assert line["level"] == logging.DEBUG


def test_a_crawl_at_debug_still_logs_each_page(serve, tmp_path):
    from crawler.localweb import Site, html
    from tests.support import run_crawl

    web = serve({"www.example.com": Site({"/": html("<p>home</p>")})})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings={"LOG_LEVEL": "DEBUG"})
    assert crawl.returncode == 0, crawl.log
    assert "Crawled (200) <GET http://www.example.com/>" in crawl.log
    assert "Scraped the document of http://www.example.com/ from <200 http://www.example.com/>" in crawl.log
