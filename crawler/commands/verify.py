"""`scrapy verify ACCESS_LOG [ACCESS_LOG ...] --audit AUDIT_DIR [--host HOST]
[--robots FILE_OR_URL] [--agent TOKEN] [--tolerance SECONDS] [--json] [--html FILE]`:
a site's own access log against the crawler's audit dataset."""

from __future__ import annotations

import argparse
import math
import re
import urllib.request
import zlib
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.accesslog import open_log
from crawler.commands import fail
from crawler.errors import ConfigError
from crawler.htmlreport import check_target, require_charts, verify_page, write_page
from crawler.reasons import escape
from crawler.robots import MAX_BYTES, parse
from crawler.verify import (
    TOLERANCE,
    Robots,
    Verification,
    as_json,
    load_audit,
    render,
    summary_line,
)

_TOKEN = re.compile(r"[A-Za-z_-]+")


def read_robots(source: str, user_agent: str) -> Robots:
    """The robots.txt to judge by: a file, or an http(s) URL fetched once
    with a plain GET (honouring http_proxy) under the crawler's User-Agent."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only
                body = response.read(MAX_BYTES)
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ConfigError(f"cannot fetch --robots {escape(source)} ({reason}): "
                              "save your robots.txt and give the file instead") from None
    else:
        try:
            body = Path(source).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read --robots {escape(source)} ({exc.strerror}): "
                              "give your robots.txt file, or its http(s) URL") from None
    return Robots(source, body, parse(body))


class Command(ScrapyCommand):
    requires_project = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return ("ACCESS_LOG [ACCESS_LOG ...] --audit AUDIT_DIR [--host HOST] [--robots FILE_OR_URL] "
                "[--agent TOKEN] [--tolerance SECONDS] [--json] [--html FILE]")

    def short_desc(self) -> str:
        return "Check a web server's access log against the crawler's audit dataset"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--audit", metavar="AUDIT_DIR", help="the crawl's audit folder")
        parser.add_argument("--host", help="the host the log is of (needed when its lines name none)")
        parser.add_argument("--robots", metavar="FILE_OR_URL", help="the site's robots.txt, to judge fetched URLs")
        parser.add_argument("--agent", metavar="TOKEN",
                            help="product token to look for, by default ROBOTSTXT_USER_AGENT")
        parser.add_argument("--tolerance", metavar="SECONDS", default=str(TOLERANCE),
                            help=f"seconds between log time and audit time that still match (default {TOLERANCE:g})")
        parser.add_argument("--json", action="store_true", help="print JSON for machines")
        parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self._run(args, opts)
        except ConfigError as error:
            fail(self, str(error))

    def _run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args:
            raise ConfigError("give at least one access log, e.g. scrapy verify /var/log/nginx/access.log "
                              "--audit output/audit")
        if not opts.audit:
            raise ConfigError("give the crawl's audit folder: --audit AUDIT_DIR")
        try:
            tolerance = float(opts.tolerance)
        except ValueError:
            tolerance = math.nan
        if not 0 <= tolerance <= 3600:
            raise ConfigError(f"--tolerance {escape(opts.tolerance)} is not accepted: use seconds from 0 to 3600")
        agent = opts.agent or self.settings["ROBOTSTXT_USER_AGENT"]
        if not _TOKEN.fullmatch(agent):
            raise ConfigError(f"--agent {escape(agent)} is not a product token: use letters, '-' and '_' only")
        html = Path(opts.html) if opts.html else None
        if html is not None:
            require_charts("scrapy verify")
            check_target(html)
        logs = [Path(arg) for arg in args]
        for log in logs:
            open_log(log).close()  # every log readable before any is read
        audited = load_audit(Path(opts.audit), opts.host and opts.host.lower())
        robots = read_robots(opts.robots, self.settings["USER_AGENT"]) if opts.robots else None
        verification = Verification(audited, agent, host=opts.host, tolerance=tolerance, robots=robots)
        for log in logs:
            verification.start(str(log))
            with open_log(log) as file:
                try:
                    for raw in file:
                        verification.read(raw)
                except (EOFError, OSError, zlib.error) as exc:
                    verification.stopped(f"unreadable after line {verification.logs[-1]['lines']}: {exc}")
        if verification.lines and verification.lines == verification.invalid:
            raise ConfigError(f"no line of {', '.join(escape(str(p)) for p in logs)} is an access log line "
                              "(nginx or Apache combined or common, Caddy JSON): give the web server's access log")
        result = verification.result()
        if html is not None:
            write_page(html, verify_page(result, summary_line(result), verification.gaps()))
        print(as_json(result) if opts.json else render(result))
