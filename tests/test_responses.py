"""Is a response what it claims to be: status, declared length, binary content."""

import os

import pytest

from crawler.page import markup_problem
from crawler.responses import binary_problem, length_problem, status_problem, valid_status


@pytest.mark.parametrize("status", [100, 200, 404, 599])
def test_http_statuses_are_valid(status):
    assert valid_status(status) and status_problem(status) is None


@pytest.mark.parametrize("status", [99999, 0, -5, 99, 600, None])
def test_other_statuses_are_not(status):
    assert not valid_status(status)


def test_status_problem_names_the_status():
    assert status_problem(99999) == "invalid HTTP status 99999 (a status is 100 to 599)"


@pytest.mark.parametrize("declared, received, problem", [
    (None, 10, None),
    (b"10", 10, None),
    (b" 10 ", 10, None),
    (b"10000", 120, "Content-Length 10000 but 120 bytes received"),
    (b"20", 11000, "Content-Length 20 but 11000 bytes received"),
    (b"ten", 10, "Content-Length b'ten' is not a number"),
])
def test_length_problem(declared, received, problem):
    assert length_problem(declared, received) == problem


@pytest.mark.parametrize("body", [
    b"", b"<html><p>caf\xc3\xa9\tok</p>\r\n\x0c\x1b[0m" * 100, "ünïcödé text".encode("utf-16"),
    "日本語".encode("cp932") * 500, b"<p>one stray NUL \x00 in a long page</p>" + b"x" * 4000,
])
def test_text_is_not_binary(body):
    assert binary_problem(body) is None


@pytest.mark.parametrize("body", [os.urandom(200_000), b"\x00\x01\x02" * 1000, b"PK\x03\x04" + os.urandom(5000)])
def test_binary_is_found(body):
    assert binary_problem(body).startswith("binary content announced as text")


def test_markup_problem_counts_tags():
    assert markup_problem(b"<p>x</p>" * 10, 20) is None
    assert markup_problem(b"<p>x</p>" * 11, 20) == "22 markup tags, more than LIMITS_HTML_TAGS=20: not parsed"
    assert markup_problem(b"<p>x</p>" * 10**5, 0) is None
