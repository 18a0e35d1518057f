"""`scrapy frontier status -s FRONTIER_REDIS_URL=URL -s CRAWL_ID=NAME [--json]`:
what the workers of a shared crawl are doing, from Redis alone."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scrapy.commands import ScrapyCommand

from crawler.commands import SettingsChecked, fail
from crawler.errors import ConfigError

ACTIONS = ("status",)


def render(crawl: str, status: dict[str, Any]) -> str:
    alive, dead = status["workers_alive"], status["workers_dead"]
    lines = [
        f"Crawl {crawl}",
        f"  workers alive: {len(alive)}" + (f" ({', '.join(alive)})" if alive else ""),
    ]
    if dead:
        lines.append(f"  workers presumed dead, not yet reaped: {len(dead)} ({', '.join(dead)})")
    lines += [
        f"  hosts: {status['hosts_queued']} queued, {status['hosts_in_flight']} in flight, "
        f"{status['hosts_paused']} paused, {status['hosts_given_up']} given up",
        f"  URLs: {status['urls_seen']} seen, {status['urls_pending']} pending "
        f"({status['urls_queued']} queued, the rest being fetched)",
    ]
    return "\n".join(lines)


class Command(SettingsChecked, ScrapyCommand):
    requires_project = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "status -s FRONTIER_REDIS_URL=URL -s CRAWL_ID=NAME [--json]"

    def short_desc(self) -> str:
        return "Show the workers, hosts and URLs of a crawl shared through Redis"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print JSON for machines")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args != ["status"]:
            fail(self, f"give one action, {' or '.join(ACTIONS)}: scrapy frontier status "
                 "-s FRONTIER_REDIS_URL=redis://HOST:PORT/DB -s CRAWL_ID=NAME")
            return
        assert self.settings is not None
        url, crawl = self.settings.get("FRONTIER_REDIS_URL"), self.settings.get("CRAWL_ID")
        if not url:
            fail(self, "give the Redis server of the crawl: -s FRONTIER_REDIS_URL=redis://HOST:PORT/DB")
            return
        from crawler.sharedfrontier import SharedFrontier  # redis-py only where it is used

        try:
            frontier = SharedFrontier.connect(url, crawl, "status")
        except ConfigError as error:
            fail(self, str(error))
            return
        if not frontier.exists():
            fail(self, f"no crawl {crawl} on this Redis server: give the CRAWL_ID its workers were started with")
            return
        status = frontier.status()
        print(json.dumps({"crawl_id": crawl, **status}, indent=1) if opts.json else render(crawl, status))
