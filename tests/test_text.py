import pytest

from crawler.page import links, media_type, parse_html
from crawler.text import all_text, extractor_name, main_text

ARTICLE = """<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style>
<script>var tracking = "do not keep";</script></head>
<body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main><h1>The headline</h1><p>First   paragraph
with a line break.</p><p>Second <b>bold</b> paragraph.</p>
<form><input type="password"></form><div hidden>secret</div></main>
<footer>Copyright footer</footer></body></html>"""


def test_main_text_keeps_the_main_content_only():
    assert main_text(ARTICLE, parse_html(ARTICLE)) == (
        "The headline\nFirst paragraph with a line break.\nSecond bold paragraph."
    )


def test_all_text_keeps_navigation_but_not_scripts():
    text = all_text(ARTICLE, parse_html(ARTICLE))
    assert "Home About" in text and "Copyright footer" in text
    assert "tracking" not in text and "color:red" not in text


def test_lone_article_or_body():
    page = "<html><body><div>menu</div><article><p>Story</p></article></body></html>"
    assert main_text(page, parse_html(page)) == "Story"
    page = "<html><body><article><p>One</p></article><article><p>Two</p></article></body></html>"
    assert main_text(page, parse_html(page)) == "One\nTwo"


def test_page_made_only_of_navigation_still_has_text():
    page = "<html><body><nav><a href='/a'>Only links here</a></nav></body></html>"
    assert main_text(page, parse_html(page)) == "Only links here"


def test_unparseable_input():
    assert parse_html("") is None
    assert main_text("", None) == ""


def test_xml_declaration_is_accepted():
    page = '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>'
    assert main_text(page, parse_html(page)) == "x"


def test_extractor_names():
    assert extractor_name(main_text) == "lxml-main"
    assert extractor_name(all_text) == "lxml-all"
    assert extractor_name(test_unparseable_input).endswith("test_unparseable_input")


def test_links_resolve_against_base_and_flag_nofollow():
    page = """<html><head><base href="http://cdn.example.com/dir/"></head><body>
    <a href="a.html">a</a><a href="/b">b</a><a href=" http://x.example.com/c ">c</a>
    <a href="#top">top</a><a href="mailto:x@y.z">m</a><a href="javascript:void(0)">j</a>
    <a rel="Sponsored NoFollow" href="d">d</a><a>no href</a><map><area href="e"></map></body></html>"""
    found = [(link.url, link.nofollow) for link in links(parse_html(page), "http://www.example.com/p")]
    assert found == [
        ("http://cdn.example.com/dir/a.html", False),
        ("http://cdn.example.com/b", False),
        ("http://x.example.com/c", False),
        ("http://cdn.example.com/dir/d", True),
        ("http://cdn.example.com/dir/e", False),
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("text/HTML; charset=UTF-8", "text/html"),
        (b"application/xhtml+xml", "application/xhtml+xml"),
        (None, ""),
        ("", ""),
    ],
)
def test_media_type(value, expected):
    assert media_type(value) == expected
