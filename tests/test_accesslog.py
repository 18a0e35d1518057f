"""Access-log lines as nginx, Apache and Caddy write them: the samples of
their own documentation, what they write for odd requests, and lines that
are no log line at all."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.accesslog import LogLine, open_log, parse_line
from crawler.errors import ConfigError
from tests import accesslogs


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


REAL = [
    # Apache's documentation, "Combined Log Format" and "Common Log Format"
    ('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
     '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
     LogLine("combined", at("2000-10-10T20:55:36+00:00"), "127.0.0.1", None, "GET", "/apache_pb.gif", 200,
             "Mozilla/4.08 [en] (Win98; I ;Nav)")),
    ('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
     LogLine("common", at("2000-10-10T20:55:36+00:00"), "127.0.0.1", None, "GET", "/apache_pb.gif", 200, None)),
    # Apache's vhost_combined (%v:%p first) and vhost_common; %b is "-" for an empty body
    ('www.example.com:443 192.0.2.10 - - [02/Dec/2026:08:00:01 +0100] "HEAD /a?b=c HTTP/1.1" 304 - "-" '
     '"PoliteCrawler/0.1 (+https://example.org/polite-crawler; crawler@example.org)"',
     LogLine("combined", at("2026-12-02T07:00:01+00:00"), "192.0.2.10", "www.example.com", "HEAD", "/a?b=c", 304,
             "PoliteCrawler/0.1 (+https://example.org/polite-crawler; crawler@example.org)")),
    ('Blog.Example.COM. 192.0.2.10 - - [02/Dec/2026:08:00:01 +0000] "GET / HTTP/1.1" 200 12',
     LogLine("common", at("2026-12-02T08:00:01+00:00"), "192.0.2.10", "blog.example.com", "GET", "/", 200, None)),
    # nginx's default `combined`, an IPv6 client, a quote and a control byte escaped as \xHH
    ('2001:db8::1 - - [02/Dec/2026:08:00:01 +0000] "GET /say\\x22hi\\x22\\x1B HTTP/1.1" 404 153 "-" '
     '"curl/8.5.0 \\x22quoted\\x22"',
     LogLine("combined", at("2026-12-02T08:00:01+00:00"), "2001:db8::1", None, "GET", '/say"hi"\x1b', 404,
             'curl/8.5.0 "quoted"')),
    # what nginx logs for a TLS handshake sent to a plain-HTTP port: no request line
    ('203.0.113.5 - - [02/Dec/2026:08:00:01 +0000] "\\x16\\x03\\x01\\x00\\xFC\\x01" 400 157 "-" "-"',
     LogLine("combined", at("2026-12-02T08:00:01+00:00"), "203.0.113.5", None, None, "\x16\x03\x01\x00\ufffd\x01",
             400, "-")),
    # nginx `$host $remote_addr - ...`, with extra fields after the User-Agent
    ('www.example.com 192.0.2.10 - alice [02/Dec/2026:08:00:01 -0000] "GET http://www.example.com/x HTTP/1.1" '
     '200 5 "https://ref.example/" "Bot/1" "198.51.100.1" rt=0.001',
     LogLine("combined", at("2026-12-02T08:00:01+00:00"), "192.0.2.10", "www.example.com", "GET",
             "http://www.example.com/x", 200, "Bot/1")),
    # Caddy's documentation, a JSON access log entry (ts: when it ended; duration in seconds)
    ('{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request",'
     '"request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0",'
     '"method":"GET","host":"localhost","uri":"/","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"],'
     '"Accept-Encoding":["gzip, deflate, br"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,'
     '"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.000929675,'
     '"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Encoding":["gzip"],'
     '"Content-Type":["text/html; charset=utf-8"],"Vary":["Accept-Encoding"]}}',
     LogLine("caddy", 1646861401.5241024 - 0.000929675, "127.0.0.1", "localhost", "GET", "/", 200, "curl/7.82.0")),
    # Caddy with `time_format rfc3339_nano`, a port in the host, no client_ip (before 2.7)
    ('{"level":"info","ts":"2026-12-02T08:00:01.250000000Z","logger":"http.log.access.log0",'
     '"msg":"handled request","request":{"remote_ip":"192.0.2.7","remote_port":"5000","proto":"HTTP/1.1",'
     '"method":"GET","host":"www.example.com:8443","uri":"/p?q=1","headers":{"User-Agent":["A","B"]}},'
     '"duration":0.25,"size":1,"status":503}',
     LogLine("caddy", at("2026-12-02T08:00:01+00:00"), "192.0.2.7", "www.example.com", "GET", "/p?q=1", 503,
             "A, B")),
]


@pytest.mark.parametrize("line, expected", REAL, ids=range(len(REAL)))
def test_real_format_lines(line, expected):
    assert parse_line(line.encode() + b"\n") == expected


@pytest.mark.parametrize("line", [
    "",
    "garbage",
    '127.0.0.1 - - [31/Foo/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1',  # no such month
    '127.0.0.1 - - [32/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1',  # no such day
    '127.0.0.1 - - [02/Dec/2026:25:00:00 +0000] "GET / HTTP/1.1" 200 1',  # no such hour
    '127.0.0.1 - - [02/Dec/2026:10:00:00] "GET / HTTP/1.1" 200 1',  # no zone
    '127.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" abc 1',  # no status
    '127.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1 200 1',  # unterminated quote
    '2026/12/02 10:00:00 [error] 12#12: *1 open() "/x" failed',  # nginx's error log
    '{"level":"info","ts":1,"msg":"tls handshake"}',  # a Caddy entry that is no request
    '{"ts":1,"request":{"uri":"/"},"status":"200"}',
    '{"ts":"yesterday","request":{"uri":"/"},"status":200}',
    '{"ts":true,"request":{"uri":"/"},"status":200}',
    '{"ts":1,"request":[],"status":200}',
    '{"ts":1, "request": {"uri": "/"}',
    "[1, 2]",
])
def test_lines_that_are_no_log_line(line):
    assert parse_line(line.encode()) is None


@given(st.binary(max_size=300))
def test_any_bytes_give_a_line_or_none(raw):
    assert parse_line(raw) is None or isinstance(parse_line(raw), LogLine)


# No surrogates: a request line is bytes, and a lone surrogate has no UTF-8 form to send.
@given(st.text(max_size=80),
       st.text(alphabet=st.characters(exclude_characters=" ", exclude_categories=("Cs",)), min_size=1, max_size=40))
def test_fields_come_back_as_written_through_the_servers_escapes(agent, path):
    target = "/" + path
    for line in (accesslogs.nginx(1e9, target, 200, agent), accesslogs.apache(1e9, target, 200, agent),
                 accesslogs.caddy(1e9, 0.5, "h", target, 200, agent)):
        parsed = parse_line(line.encode("utf-8", "surrogatepass"))
        assert parsed is not None and parsed.target == target and parsed.user_agent == agent


def test_logs_are_read_plain_or_gzipped_by_content_not_name(tmp_path):
    plain, zipped = tmp_path / "access.log.gz", tmp_path / "access.log"
    plain.write_bytes(b"a\nb\n")
    with gzip.open(zipped, "wb") as out:
        out.write(b"a\nb\n")
    for path in (plain, zipped):
        with open_log(path) as file:
            assert list(file) == [b"a\n", b"b\n"]
    for bad, fragment in ((tmp_path / "missing.log", "does not exist"), (tmp_path, "is a folder")):
        with pytest.raises(ConfigError, match=fragment):
            open_log(bad)


def test_clf_times_in_any_zone_are_utc_seconds():
    line = accesslogs.apache(at("2026-03-29T01:30:00+00:00"), "/", 200, "x", offset_hours=-7)
    assert "[28/Mar/2026:18:30:00 -0700]" in line
    assert parse_line(line.encode()).time == at("2026-03-29T01:30:00+00:00")
    assert datetime.fromtimestamp(parse_line(line.encode()).time, UTC).hour == 1
