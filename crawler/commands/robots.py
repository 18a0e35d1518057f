"""`scrapy robots URL [URL ...] [--agent TOKEN] [--file PATH]`: what the
crawler's robots.txt policy says about each URL, for site owners and
operators. Without `--file`, the live robots.txt is fetched through the
crawler's own fetch path and status-code policy, except for a URL on the
deny list (PRIVACY_DENYLIST): erased on request, it is never requested."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.commands import ScrapyCommand

from crawler import denylist
from crawler.commands import check_settings, fail
from crawler.denylist import denylist_path
from crawler.errors import ConfigError
from crawler.middlewares.robots import RobotsMiddleware, request_origin
from crawler.reasons import escape
from crawler.robots import parse
from crawler.urls import canonical_url

_TOKEN = re.compile(r"[A-Za-z_-]+")


class _RobotsCheck(scrapy.Spider):
    """Asks the robots layer about each URL; fetches nothing else."""

    name = "robots-check"

    def __init__(self, urls: list[str], agent: str, lines: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls, self.agent, self.lines = urls, agent, lines

    async def start(self) -> AsyncIterator[Any]:
        robots = self.crawler.get_downloader_middleware(RobotsMiddleware)
        assert robots is not None
        for url in self.urls:
            origin = request_origin(url)
            kind, info = await robots.policy(origin)
            reason, detail = robots.decide(url, origin, kind, info, self.agent)
            self.lines.append(_line(url, reason is None, detail, robots.crawl_delay(origin, self.agent)))
        return
        yield


def _line(url: str, allowed: bool, detail: str, delay: float | None) -> str:
    delay_text = f"crawl-delay {delay:g} s" if delay is not None else "no crawl-delay"
    return f"{'allow' if allowed else 'disallow':8} {url}\n         {detail}; {delay_text}"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "URL [URL ...] [--agent TOKEN] [--file PATH]"

    def short_desc(self) -> str:
        return "Show what robots.txt allows the crawler, URL by URL, and why"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--agent", help="product token to check (default: ROBOTSTXT_USER_AGENT)")
        parser.add_argument("--file", help="read robots.txt from this file instead of fetching it")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if not opts.loglevel:
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        check_settings(self)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            fail(self, "give at least one URL, e.g. scrapy robots https://example.com/page")
            return
        urls = []
        for arg in args:
            url = canonical_url(arg)
            if url is None:
                fail(self, f"not a crawlable http(s) URL: {escape(arg)}: give absolute http:// or https:// URLs")
                return
            urls.append(url)
        assert self.settings is not None
        agent = opts.agent or self.settings["ROBOTSTXT_USER_AGENT"]
        if not _TOKEN.fullmatch(agent):
            fail(self, f"--agent {escape(agent)} is not a robots.txt product token: use letters, '-' and '_' only")
            return
        if opts.file:
            lines = self._from_file(Path(opts.file), urls, agent)
        else:
            lines = self._live(urls, agent)
        print("\n".join(lines))

    def _from_file(self, path: Path, urls: list[str], agent: str) -> list[str]:
        try:
            rules = parse(path.read_bytes())
        except OSError as exc:
            fail(self, f"cannot read {path} ({exc.strerror}): give a readable robots.txt file")
            return []
        return [
            _line(url, (d := rules.explain(url, agent)).allowed, f"{path}: {d}", rules.crawl_delay(agent))
            for url in urls
        ]

    def _live(self, urls: list[str], agent: str) -> list[str]:
        assert self.crawler_process is not None and self.settings is not None
        try:
            forgotten = denylist.load(denylist_path(self.settings))
        except ConfigError as error:
            fail(self, str(error))
            return []
        lines = [f"{'forgotten':8} {url}\n         {why}: its robots.txt is not fetched"
                 for url in urls if (why := forgotten.forbids(url)) is not None]
        urls = [url for url in urls if forgotten.forbids(url) is None]
        if not urls:
            return lines
        self.settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        self.settings.set("ROBOTS_RETRY_TIMES", 0, priority="cmdline")
        # robots.txt is what is reported: no purpose that calls for tdmrep.json
        self.settings.set("CRAWL_PURPOSE", "search", priority="cmdline")
        self.crawler_process.crawl(_RobotsCheck, urls=urls, agent=agent, lines=lines)
        self.crawler_process.start()
        return lines
