"""End to end: the network guard, size, type and trap limits, garbage responses.
Traffic goes to 127.0.0.1 and ::1 only."""

import gzip
import itertools
import socket
import subprocess
import sys
import threading
import zlib

import pytest

from crawler.localweb import Reply, Site, html, redirect
from tests.support import REPO, page_paths, run_crawl


class Listener:
    """Counts connection attempts to one port on 127.0.0.1 and ::1."""

    def __init__(self):
        self.accepted = 0
        self.sockets = []
        first = socket.create_server(("127.0.0.1", 0))
        self.port = first.getsockname()[1]
        self.sockets.append(first)
        try:
            self.sockets.append(socket.create_server(("::1", self.port), family=socket.AF_INET6))
        except OSError:
            pass
        for sock in self.sockets:
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self):
        for sock in self.sockets:
            sock.close()


def test_private_addresses_in_every_form_are_never_connected_to(serve, tmp_path):
    listener = Listener()
    port = listener.port
    targets = [f"http://127.0.0.1:{port}/", f"http://127.1:{port}/", f"http://0x7f000001:{port}/",
               f"http://2130706433:{port}/", f"http://[::1]:{port}/", f"http://localhost:{port}/",
               f"http://[::ffff:127.0.0.1]:{port}/", "http://169.254.169.254/latest/meta-data/"]
    links = "".join(f'<a href="{t}">t</a>' for t in targets)
    web = serve({"www.example.com": Site({
        "/": html(links + '<a href="/jump">jump</a>'),
        "/jump": redirect(f"http://127.0.0.1:{port}/redirected"),
    })})
    crawl = run_crawl(web, f"http://www.example.com/,http://127.0.0.1:{port}/seed", tmp_path,
                      settings={"DOWNLOAD_DELAY": 0.2}, args={"scope": "any"})
    listener.close()
    assert crawl.returncode == 0, crawl.log
    assert listener.accepted == 0
    assert {s.host for s in web.log} == {"www.example.com"}
    assert "http://www.example.com/" in crawl.urls()
    for host in ("127.0.0.1", "[::1]", "localhost", "169.254.169.254"):
        assert f"Skipped (private-address) http://{host}" in crawl.log, host
    assert f"Skipped (private-address) http://127.0.0.1:{port}/redirected" in crawl.log


def test_allowed_networks_open_loopback_explicitly(serve, tmp_path):
    listener = Listener()
    web = serve({"www.example.com": Site({"/": html(f'<a href="http://127.0.0.1:{listener.port}/">t</a>')})})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, args={"scope": "any"},
                      settings={"DOWNLOAD_DELAY": 0.2, "NETGUARD_ALLOWED_NETWORKS": "127.0.0.0/8",
                                "DOWNLOAD_TIMEOUT": 2, "ROBOTS_RETRY_TIMES": 0})
    listener.close()
    assert crawl.returncode == 0, crawl.log
    # through the operator's proxy (trusted), the now-allowed target is requested
    assert [s.host for s in web.log].count(f"127.0.0.1:{listener.port}") >= 1


RESOLVE = """
import sys
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import reactor
from crawler.resolver import GuardedResolver
from crawler.netguard import networks
resolver = GuardedResolver(reactor, 0, 5, networks(sys.argv[1:]), set())
def done(result):
    print("RESULT", getattr(result, "value", result)); reactor.stop()
resolver.getHostByName("localhost").addBoth(done)
reactor.run()
"""


@pytest.mark.parametrize("allowed, expected", [([], "resolves to a loopback address"), (["127.0.0.0/8"], "127.0.0.1")])
def test_a_name_resolving_to_loopback_is_refused_after_resolution(allowed, expected):
    # "localhost" comes from /etc/hosts: no DNS traffic leaves the machine
    result = subprocess.run([sys.executable, "-c", RESOLVE, *allowed], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert expected in result.stdout, result.stdout + result.stderr


def big_body(megabytes):
    chunk = b"<p>" + b"x" * 1020 + b"</p>"
    return (chunk for _ in range(megabytes * 1024))


def gzip_bomb(decoded_mb):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1 << 20)
    return b"".join([*(compressor.compress(block) for _ in range(decoded_mb)), compressor.flush()])


def test_size_type_and_trap_limits(serve, tmp_path):
    bomb = gzip_bomb(300)
    links = ['/big', '/big-stream', '/bomb', '/image.png', '/ok', '/a/b/a/b/a/b/', '/calendar/2999/01/',
             *(f"/search?q={i}" for i in range(8)), "/" + "x" * 3000]
    web = serve({"www.example.com": Site({
        "/": html("".join(f'<a href="{link}">l</a>' for link in links)),
        "/big": Reply(chunks=big_body(60), headers=[("Content-Length", str(60 * 1024 * 1024))]),
        "/big-stream": Reply(chunks=big_body(60)),  # no Content-Length: cut off while streaming
        "/bomb": Reply(body=bomb, headers=[("Content-Encoding", "gzip")]),
        "/image.png": Reply(chunks=big_body(50), content_type="image/png"),
        "/ok": html("<p>fine</p>"),
    }, fallback=html("<p>page</p>"))})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path,
                      settings={"DOWNLOAD_DELAY": 0.2, "LIMITS_QUERY_VARIANTS": 5}, counted=True)
    assert crawl.returncode == 0, crawl.log
    stored = crawl.urls()
    assert "http://www.example.com/ok" in stored
    for path in ("/big", "/big-stream", "/bomb", "/image.png"):
        assert f"http://www.example.com{path}" not in stored
    assert "Skipped (size) http://www.example.com/big:" in crawl.log
    assert "Skipped (size) http://www.example.com/big-stream" in crawl.log
    assert "Skipped (size) http://www.example.com/bomb" in crawl.log
    assert "Skipped (type) http://www.example.com/image.png" in crawl.log
    assert "Skipped (trap) http://www.example.com/a/b/a/b/a/b/" in crawl.log
    assert "Skipped (trap) http://www.example.com/calendar/2999/01/" in crawl.log
    assert "Skipped (trap) http://www.example.com/search?q=5" in crawl.log
    assert "URL of 3023 characters" in crawl.log
    requested = page_paths(web, "www.example.com")
    assert "/a/b/a/b/a/b/" not in requested and "/search?q=5" not in requested
    assert crawl.peak_memory() < 300 * 1024 * 1024


def endless_headers():
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    for i in itertools.count():
        yield b"".join(b"X-%d: %s\r\n" % (i * 1000 + j, b"z" * 200) for j in range(1000))


def test_garbage_responses_never_stop_the_crawl(serve, tmp_path):
    web = serve({"www.example.com": Site({
        "/": html("".join(f'<a href="/{p}">x</a>' for p in
                          ("truncated", "short-length", "bad-utf8", "binary", "headers", "empty", "fine"))),
        "/truncated": Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<p>half"),
        "/short-length": Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 4\r\n\r\n<p>longer body</p>"),
        "/bad-utf8": Reply(body=b"<html><body><p>caf\xe9 \xff\xfe</p></body></html>", content_type="text/html; charset=utf-8"),
        "/binary": Reply(body=gzip.compress(b"\0\1\2" * 1000), content_type="text/html"),
        "/headers": Reply(raw=endless_headers()),
        "/empty": Reply(raw=b""),
        "/fine": html("<p>fine</p>"),
    })})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path,
                      settings={"DOWNLOAD_DELAY": 0.2}, counted=True)
    assert crawl.returncode == 0, crawl.log
    assert crawl.peak_memory() < 300 * 1024 * 1024
    assert "Skipped (error) http://www.example.com/headers" in crawl.log
    stored = crawl.urls()
    assert "http://www.example.com/fine" in stored
    assert "http://www.example.com/bad-utf8" in stored
    assert "Skipped (error) http://www.example.com/truncated" in crawl.log
    assert "Skipped (error) http://www.example.com/empty" in crawl.log
