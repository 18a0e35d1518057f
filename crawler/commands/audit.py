"""`scrapy audit DIR --host HOST | --domain DOMAIN | --url URL [--since T] [--until T] [--urls]
[--json] [--html FILE]`: what the crawler did on a site or at a URL, answered from the audit
dataset alone.

`--url` finds a URL's rows in clear and, once an erasure has pseudonymised
them, by the URL's keyed hash (with the key in PRIVACY_KEY_FILE)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.auditreport import as_json, gaps, load, render, request_times, summarize
from crawler.commands import fail
from crawler.errors import ConfigError
from crawler.htmlreport import audit_page, check_target, require_charts, write_page
from crawler.pseudonyms import key_path, pseudonym, read_key
from crawler.reasons import escape
from crawler.urls import canonical_url


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date or time: use ISO 8601, e.g. 2026-11-29T09:00Z",
                         print_help=False) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(ScrapyCommand):
    requires_project = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return ("DIR --host HOST | --domain DOMAIN | --url URL [--since TIME] [--until TIME] [--urls] [--json] "
                "[--html FILE]")

    def short_desc(self) -> str:
        return "Report what the crawler did on a site, from the audit dataset"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--host", help="a host name, e.g. www.example.com")
        parser.add_argument("--domain", help="a registered domain, e.g. example.co.uk")
        parser.add_argument("--url", help="one URL, found in clear or by its keyed hash once erased")
        parser.add_argument("--since", help="from this time (ISO 8601, UTC unless a zone is given)")
        parser.add_argument("--until", help="before this time")
        parser.add_argument("--urls", action="store_true", help="list every URL and what happened to it")
        parser.add_argument("--json", action="store_true", help="print JSON for machines")
        parser.add_argument("--html", metavar="FILE",
                            help="also write a self-contained HTML report (charts, every URL) to FILE")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give the audit folder (AUDIT_DIR), e.g. scrapy audit output/audit --host HOST")
        if sum(1 for given in (opts.host, opts.domain, opts.url) if given) != 1:
            raise UsageError("give exactly one of --host HOST, --domain DOMAIN or --url URL", print_help=False)
        directory = Path(args[0])
        since, until = _moment(opts.since, "--since"), _moment(opts.until, "--until")
        html = Path(opts.html) if opts.html else None
        urls = None
        note = ""
        try:
            if html is not None:
                require_charts("scrapy audit")
                check_target(html)
            if opts.url:
                url = canonical_url(opts.url)
                if url is None:
                    raise ConfigError(f"--url {escape(opts.url)} is not a crawlable http(s) URL: give an absolute "
                                      "http:// or https:// URL")
                assert self.settings is not None
                path = key_path(self.settings, audit_dir=directory)
                key = read_key(path)
                urls = [url] if key is None else [url, pseudonym(key, url)]
                if key is None:
                    note = f" (no key at {path}, so rows pseudonymised by an erasure could not be searched)"
            rows = load(directory, opts.host, opts.domain, since, until, urls)
        except ConfigError as error:
            fail(self, str(error))
            return
        subject = f"host {opts.host}" if opts.host else f"domain {opts.domain}" if opts.domain else f"URL {urls[0]}"
        if not rows:
            print(f"No audit record for {subject} in {directory}{note}.")
            return
        if html is not None:
            request_gaps = [gap for times in request_times(rows).values() for gap in gaps(times)]
            write_page(html, audit_page(summarize(rows, with_urls=True), subject, request_gaps))
        summary = summarize(rows, with_urls=opts.urls)
        print(as_json(summary) if opts.json else render(summary, subject))
