"""The benchmark web: many hosts of ~24 KB article pages that link to each
other, with a robots.txt on each host, served on loopback as an HTTP proxy.

    .venv/bin/python -m benchmarks.web --hosts 300 --pages 20 [--light] [--crawl-delay 1 --log FILE]

prints `PORT <n>` once listening; pages are generated on request. With
`--log`, every request the web saw (host, path, start and end times) is
written to FILE as JSON when it is stopped (SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from benchmarks.pages import article
from crawler.localweb import LocalWeb, Reply, Site


def host_name(index: int) -> str:
    """Hundreds of hosts under ten registered domains."""
    return f"site{index}.example{index % 10}.com"


def page_links(host: int, page: int, hosts: int, pages: int) -> list[str]:
    """30 links to pages of the same host, 10 to pages of other hosts (beside
    the page's 13 navigation links)."""
    same = [f"/p{(page * 7 + k) % pages}" for k in range(30)]
    other = [f"http://{host_name((host + k * 13 + 1) % hosts)}/p{(page + k) % pages}" for k in range(10)]
    return same + other


def light_links(page: int, pages: int) -> list[str]:
    """A light page's 5 links: home, and the next pages of the same host."""
    return ["/p0", *(f"/p{(page + k) % pages}" for k in range(1, 5))]


SERVED = [0]  # pages served, read through the `stats.bench` host


def site(host: int, hosts: int, pages: int, robots: str, light: bool) -> Site:
    def answer(seen):  # noqa: ANN001
        SERVED[0] += 1
        path = seen.path
        if not path.startswith("/p") or not path[2:].isdigit() or int(path[2:]) >= pages:
            return Reply(status=404, body=b"not found", content_type="text/plain")
        page = int(path[2:])
        if light:
            return Reply(body=article(host * pages + page, 24_000, light_links(page, pages), chrome=False))
        return Reply(body=article(host * pages + page, 24_000, page_links(host, page, hosts, pages)))

    return Site({"/robots.txt": Reply(body=robots.encode(), content_type="text/plain")}, fallback=answer)


def web(hosts: int, pages: int, robots: str = "User-agent: *\nDisallow: /private/\n",
        light: bool = False) -> dict[str, Site]:
    """`light`: pages with 5 links each instead of 83."""
    sites = {host_name(h): site(h, hosts, pages, robots, light) for h in range(hosts)}
    sites["stats.bench"] = Site(fallback=lambda seen: Reply(body=str(SERVED[0]).encode(), content_type="text/plain"))
    return sites


def seeds(hosts: int) -> list[str]:
    return [f"http://{host_name(h)}/p0" for h in range(hosts)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--light", action="store_true", help="pages with 5 links each instead of 83")
    parser.add_argument("--crawl-delay", type=float, help="a Crawl-delay in every robots.txt")
    parser.add_argument("--log", help="write the request log here as JSON when stopped")
    args = parser.parse_args()
    robots = "User-agent: *\nDisallow: /private/\n"
    if args.crawl_delay is not None:
        robots += f"Crawl-delay: {args.crawl_delay:g}\n"
    server = LocalWeb(web(args.hosts, args.pages, robots, light=args.light), keep_log=bool(args.log)).start()
    print(f"PORT {server.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    if args.log:
        with open(args.log, "w") as f:
            json.dump([[s.host, s.path, s.start, s.end] for s in server.log], f)
    sys.exit(0)


if __name__ == "__main__":
    main()
