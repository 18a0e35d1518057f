"""A site's own access log against the crawler's audit dataset: which of the
requests carrying the crawler's name it really made, and how they looked from
the server (rate, gaps, robots.txt, statuses). Pure, but for `load_audit`,
which reads the audit dataset.

Matching: a log line and an audited request match when they name the same
host and request target and the log's time is within `tolerance` seconds of
the moment the audit says the request was sent; each audited request matches
at most one line (the closest). The tolerance covers what separates the two
clocks: combined logs write whole seconds, nginx logs when the response
ended, and the server's clock is not the crawler's.

Memory is bounded by the audit, not the log: lines are read one at a time;
matched lines are kept (at most one per audited request), lines that match
nothing are counted per client address (at most `MAX_CLIENTS` addresses).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.accesslog import PRECISION, LogLine, host_name, parse_line
from crawler.auditreport import busiest, gaps, iso
from crawler.datasets import checked_shards, open_dataset
from crawler.errors import ConfigError
from crawler.headers import sha1_digest
from crawler.reasons import escape
from crawler.robots import RobotsRules, noted_delay
from crawler.shards import AUDIT

TOLERANCE = 5.0
REFUSALS = (401, 403, 429)
MAX_CLIENTS = 10_000  # addresses counted one by one; the rest together
SAMPLES = 5  # invalid lines, and URLs per address, quoted as examples
OTHER_CLIENTS = "(other addresses)"


@dataclass
class Audited:
    """The audit dataset's requests and robots.txt reads, for the hosts in question."""

    directory: Path
    sent: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (host, target): sorted send times
    requests: int = 0
    hosts: set[str] = field(default_factory=set)
    robots: list[dict[str, Any]] = field(default_factory=list)
    first: float | None = None
    last: float | None = None

    def crawl_delay(self, host: str) -> float | None:
        """The Crawl-delay the crawler last read for `host`, as its audit recorded it."""
        delays = [r["delay"] for r in self.robots if r["host"] == host and r["delay"] is not None]
        return delays[-1] if delays else None


def target_of(url: str) -> str:
    """The request target (path and query) an absolute URL is requested with."""
    rest = url.partition("://")[2]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


def load_audit(directory: Path, host: str | None) -> Audited:
    """The requests and robots.txt reads of the audit dataset in `directory`
    (of `host` only, if given), read a batch at a time; a ConfigError when
    `directory` is not an audit dataset."""
    import pyarrow as pa
    import pyarrow.dataset as ds  # here: see crawler.datasets.open_dataset

    dataset = open_dataset(checked_shards(directory, AUDIT, "AUDIT_DIR"), AUDIT)
    where = ds.field("event").isin(["request", "robots"])
    if host:
        where &= ds.field("host") == host
    audited = Audited(directory)
    robots = []
    columns = ["time", "event", "host", "url", "reason", "detail", "digest"]
    for batch in dataset.to_batches(columns=columns, filter=where):
        times = batch["time"].cast(pa.int64()).to_pylist()
        for moment, event, row_host, url, reason, detail, digest in zip(
            times, *(batch[name].to_pylist() for name in columns[1:])
        ):
            seconds = moment / 1_000_000
            if event == "robots":
                robots.append({"time": seconds, "host": row_host, "url": url, "outcome": reason,
                               "digest": digest, "delay": noted_delay(detail)})
                continue
            audited.sent.setdefault((row_host, target_of(url)), []).append(seconds)
            audited.hosts.add(row_host)
            audited.requests += 1
            audited.first = seconds if audited.first is None else min(audited.first, seconds)
            audited.last = seconds if audited.last is None else max(audited.last, seconds)
    for times in audited.sent.values():
        times.sort()
    audited.robots = sorted(robots, key=lambda r: r["time"])
    return audited


@dataclass
class Robots:
    """The robots.txt to judge fetched URLs by: where it came from and its rules."""

    source: str
    body: bytes
    rules: RobotsRules

    @property
    def digest(self) -> str:
        return sha1_digest(self.body)


def claims(agent: str) -> re.Pattern[str]:
    """Finds the product token in a User-Agent as a whole word, in any case."""
    return re.compile(rf"(?<![A-Za-z_-]){re.escape(agent)}(?![A-Za-z_-])", re.I)


def _hour(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:00Z")


def _iso(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, UTC))


class Verification:
    """Reads log lines one at a time (`read`), then answers (`result`)."""

    def __init__(self, audited: Audited, agent: str, *, host: str | None = None,
                 tolerance: float = TOLERANCE, robots: Robots | None = None) -> None:
        self.audited, self.agent, self.host = audited, agent, host and host.lower()
        self.tolerance, self.robots = tolerance, robots
        self.default_host = self.host or (next(iter(audited.hosts)) if len(audited.hosts) == 1 else None)
        self._claims = claims(agent)
        self.logs: list[dict[str, Any]] = []
        self.lines = self.invalid = self.claimed = self.without_agent = self.other_hosts = 0
        self.formats: Counter[str] = Counter()
        self.invalid_samples: list[dict[str, Any]] = []
        self.matched: list[tuple[str, float, str, int, str]] = []  # host, log time, target, status, format
        self.clients: dict[str, dict[str, Any]] = {}
        self.unmatched_per_hour: Counter[str] = Counter()
        self.span: list[float] = []  # first and last time of a line considered
        self.log_hosts: set[str | None] = set()  # the hosts the log's lines name

    def start(self, source: str) -> None:
        """The next lines come from log `source`."""
        self.logs.append({"file": source, "lines": 0, "note": None})

    def stopped(self, note: str) -> None:
        """The current log could not be read to its end (e.g. a truncated gzip)."""
        self.logs[-1]["note"] = note

    def read(self, raw: bytes) -> None:
        """One line of the current log."""
        log = self.logs[-1]
        log["lines"] += 1
        self.lines += 1
        line = parse_line(raw)
        if line is None:
            if not raw.strip():
                return  # a blank line is no request, and no harm
            self.invalid += 1
            if len(self.invalid_samples) < SAMPLES:
                text = raw.rstrip(b"\r\n")[:300].decode("utf-8", "replace")
                self.invalid_samples.append({"file": log["file"], "line": log["lines"], "text": text})
            return
        self.formats[line.format] += 1
        self.log_hosts.add(line.host or self.default_host)
        if line.user_agent is not None and not self._claims.search(line.user_agent):
            return
        host, target = self._where(line, log)
        if self.host and host != self.host:
            self.other_hosts += 1
            return
        self.span = [min(self.span[0], line.time), max(self.span[1], line.time)] if self.span else [line.time] * 2
        if line.user_agent is None:
            self.without_agent += 1
        else:
            self.claimed += 1
        if self._match(host, target, line.time):
            self.matched.append((host, line.time, target, line.status, line.format))
        elif line.user_agent is not None:
            self._unmatched(line, host, target)

    def _where(self, line: LogLine, log: dict[str, Any]) -> tuple[str, str]:
        target = line.target
        if target.startswith(("http://", "https://")):  # absolute form, as sent to a proxy
            rest = target.partition("://")[2]
            slash = rest.find("/")
            authority, target = (rest[:slash], rest[slash:]) if slash >= 0 else (rest, "/")
            return host_name(authority.rpartition("@")[2]), target
        host = line.host or self.default_host
        if host is None:
            raise ConfigError(
                f"{log['file']} line {log['lines']} names no host (a log without a virtual host field) "
                "and the audit does not cover exactly one host: give --host HOST"
            )
        return host, target

    def _match(self, host: str, target: str, moment: float) -> bool:
        times = self.audited.sent.get((host, target))
        if not times:
            return False
        at = bisect_left(times, moment)
        near = [i for i in (at - 1, at) if 0 <= i < len(times) and abs(times[i] - moment) <= self.tolerance]
        if not near:
            return False
        times.pop(min(near, key=lambda i: abs(times[i] - moment)))
        return True

    def _unmatched(self, line: LogLine, host: str, target: str) -> None:
        self.unmatched_per_hour[_hour(line.time)] += 1
        client = line.client if line.client in self.clients or len(self.clients) < MAX_CLIENTS else OTHER_CLIENTS
        seen = self.clients.get(client)
        if seen is None:
            seen = self.clients[client] = {"requests": 0, "first": line.time, "last": line.time,
                                           "user_agents": [], "urls": []}
        seen["requests"] += 1
        seen["first"], seen["last"] = min(seen["first"], line.time), max(seen["last"], line.time)
        assert line.user_agent is not None
        for key, value in (("user_agents", line.user_agent), ("urls", f"http://{host}{target}")):
            if value not in seen[key] and len(seen[key]) < SAMPLES:
                seen[key].append(value)

    def gaps(self) -> list[float]:
        """Seconds between consecutive matched requests to one host, by log time."""
        return [gap for times in self._times().values() for gap in gaps(times)]

    def _times(self) -> dict[str, list[float]]:
        per_host: dict[str, list[float]] = {}
        for host, moment, *_ in self.matched:
            per_host.setdefault(host, []).append(moment)
        for times in per_host.values():
            times.sort()
        return per_host

    def result(self) -> dict[str, Any]:
        """Everything `scrapy verify` reports, as plain data."""
        precision = max((PRECISION[m[4]] for m in self.matched), default=1.0)
        per_host = self._times()
        hosts = {}
        for host, times in sorted(per_host.items()):
            host_gaps = gaps(times)
            delay, source = self._crawl_delay(host)
            hosts[host] = {
                "matched": len(times),
                "min_gap_seconds": round(min(host_gaps), 3) if host_gaps else None,
                "max_requests_per_minute": busiest(times),
                "crawl_delay": delay,
                "crawl_delay_from": source,
                # shorter than the Crawl-delay even allowing for the log's time precision
                "gaps_below_crawl_delay": sum(1 for g in host_gaps if delay is not None and g + precision < delay),
            }
        all_gaps = self.gaps()
        disallowed = self._disallowed()
        unmatched = sorted(self.clients.items(), key=lambda item: (-item[1]["requests"], item[0]))
        return {
            "matched": len(self.matched),
            "unmatched": sum(c["requests"] for c in self.clients.values()),
            "min_gap_seconds": round(min(all_gaps), 3) if all_gaps else None,
            "max_requests_per_minute": max((h["max_requests_per_minute"] for h in hosts.values()), default=0),
            "disallowed_fetched": None if disallowed is None else len(disallowed),
            "agent": self.agent,
            "tolerance_seconds": self.tolerance,
            "time_precision_seconds": precision,
            "logs": self.logs,
            "lines": self.lines,
            "formats": dict(self.formats),
            "invalid_lines": self.invalid,
            "invalid_samples": self.invalid_samples,
            "claimed": self.claimed,
            "without_user_agent": self.without_agent,
            "other_hosts": self.other_hosts,
            "host": self.host,
            "audit": self._audit_side(),
            "hosts": hosts,
            "requests_per_hour": dict(sorted(Counter(_hour(m[1]) for m in self.matched).items())),
            "unmatched_per_hour": dict(sorted(self.unmatched_per_hour.items())),
            "statuses": {str(k): v for k, v in sorted(Counter(m[3] for m in self.matched).items())},
            "refusals": self._refusals(),
            "robots": self._robots_side(),
            "disallowed_urls": disallowed or [],
            "unmatched_clients": [
                {"client": client, "requests": c["requests"], "first": _iso(c["first"]), "last": _iso(c["last"]),
                 "user_agents": c["user_agents"], "urls": c["urls"]}
                for client, c in unmatched
            ],
        }

    def _crawl_delay(self, host: str) -> tuple[float | None, str]:
        if self.robots is not None:
            return self.robots.rules.crawl_delay(self.agent), f"robots.txt {self.robots.source}"
        delay = self.audited.crawl_delay(host)
        return delay, "the robots.txt the crawler read (audit)" if delay is not None else "no Crawl-delay recorded"

    def _disallowed(self) -> list[dict[str, Any]] | None:
        if self.robots is None:
            return None
        found = []
        for host, moment, target, _status, _format in sorted(self.matched, key=lambda m: m[1]):
            decision = self.robots.rules.explain(f"http://{host}{target}", self.agent)
            if not decision.allowed:
                found.append({"time": _iso(moment), "url": f"http://{host}{target}", "rule": str(decision)})
        return found

    def _refusals(self) -> list[dict[str, Any]]:
        """Each 401, 403 and 429 served to the crawler, and whether (and how
        soon) the crawler asked for the same URL again."""
        later: dict[tuple[str, str], list[float]] = {}
        for host, moment, target, *_ in self.matched:
            later.setdefault((host, target), []).append(moment)
        found = []
        for host, moment, target, status, _format in sorted(self.matched, key=lambda m: m[1]):
            if status in REFUSALS:
                after = [t - moment for t in later[(host, target)] if t > moment]
                found.append({"time": _iso(moment), "url": f"http://{host}{target}", "status": status,
                              "retried_after_seconds": round(min(after), 3) if after else None})
        return found

    def _audit_side(self) -> dict[str, Any]:
        audited = self.audited
        lo, hi = (self.span[0] - self.tolerance, self.span[1] + self.tolerance) if self.span else (0.0, -1.0)
        left = sum(1 for (host, _), times in audited.sent.items() for t in times
                   if lo <= t <= hi and host in self.log_hosts and (self.host is None or host == self.host))
        return {
            "dir": str(audited.directory),
            "requests": audited.requests,
            "hosts": sorted(audited.hosts),
            "first": None if audited.first is None else _iso(audited.first),
            "last": None if audited.last is None else _iso(audited.last),
            "not_in_log": left,
        }

    def _robots_side(self) -> dict[str, Any]:
        read = [{"time": _iso(r["time"]), "host": r["host"], "outcome": r["outcome"], "digest": r["digest"]}
                for r in self.audited.robots]
        if self.robots is None:
            return {"source": None, "digest": None, "read_by_crawler": read, "same_as_read_at": []}
        digest = self.robots.digest
        return {"source": self.robots.source, "digest": digest, "read_by_crawler": read,
                "same_as_read_at": [r["time"] for r in read if r["digest"] == digest]}


def _gap(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:g} s"


def summary_line(result: dict[str, Any]) -> str:
    """The one line `scrapy verify` starts with."""
    disallowed = result["disallowed_fetched"]
    judged = (f"{disallowed} disallowed URLs fetched" if disallowed is not None
              else "disallowed URLs not judged (give --robots)")
    return (f"verified: {result['matched']} requests by this crawler, {result['unmatched']} not by this crawler, "
            f"shortest gap {_gap(result['min_gap_seconds'])}, {judged}")


def render(result: dict[str, Any]) -> str:
    """The text report: the summary line, then the detail. Everything read
    from the log is escaped, so a hostile line cannot forge a report line."""
    r = result
    lines = [summary_line(r)]
    logs = "; ".join(f"{escape(log['file'])} ({log['lines']} lines{', ' + log['note'] if log['note'] else ''})"
                     for log in r["logs"])
    formats = ", ".join(f"{name} {count}" for name, count in sorted(r["formats"].items())) or "none"
    lines.append(f"Access logs: {logs}; formats: {formats}; {r['invalid_lines']} invalid lines")
    scope = f" for host {r['host']}" if r["host"] else ""
    lines.append(f"Lines carrying the product token {r['agent']}{scope}: {r['claimed']}"
                 + (f"; for other hosts (not checked): {r['other_hosts']}" if r["other_hosts"] else ""))
    if r["without_user_agent"]:
        lines.append(f"Lines without a User-Agent (common log format), matched by URL and time alone: "
                     f"{r['without_user_agent']}; those matching nothing are other visitors, not counted")
    audit = r["audit"]
    lines.append(f"Audit dataset {escape(audit['dir'])}: {audit['requests']} requests recorded "
                 f"({audit['first'] or 'none'} to {audit['last'] or 'none'}); {audit['not_in_log']} of them, "
                 f"to the hosts the log names and within its time span, are not in the log")
    lines.append(f"Matching: same host and URL, log time within {r['tolerance_seconds']:g} s of the time the "
                 "crawler sent the request, each audited request used once")
    lines.append(f"As the server saw it (log times to {r['time_precision_seconds']:g} s):")
    for host, h in r["hosts"].items():
        delay = "no Crawl-delay" if h["crawl_delay"] is None else f"Crawl-delay {h['crawl_delay']:g} s"
        lines.append(f"  {host}: {h['matched']} requests, shortest gap {_gap(h['min_gap_seconds'])}, most in any "
                     f"60 s {h['max_requests_per_minute']}; {delay} ({escape(h['crawl_delay_from'])}); "
                     f"gaps shorter than the Crawl-delay: {h['gaps_below_crawl_delay']}")
    lines.append("  Requests per hour (UTC):")
    lines += [f"    {hour}  {count}" for hour, count in r["requests_per_hour"].items()] or ["    none"]
    statuses = ", ".join(f"{code}: {count}" for code, count in r["statuses"].items()) or "none"
    lines.append(f"  Statuses served: {statuses}")
    lines.append("  401, 403 and 429 answers, and whether the crawler asked again:")
    lines += [f"    {f['time']}  {f['status']}  {escape(f['url'])}  "
              + ("not asked again" if f["retried_after_seconds"] is None
                 else f"asked again after {f['retried_after_seconds']:g} s")
              for f in r["refusals"]] or ["    none"]
    robots = r["robots"]
    if robots["source"] is None:
        lines.append("  Disallowed URLs: not judged: the audit records which robots.txt versions the crawler "
                     "read (digests), not their text; give --robots FILE with your robots.txt")
    else:
        same = (f"the version the crawler read at {', '.join(robots['same_as_read_at'])}"
                if robots["same_as_read_at"] else "not a version the crawler read")
        lines.append(f"  Disallowed URLs fetched, by {escape(robots['source'])} ({robots['digest']}, {same}):")
        lines += [f"    {d['time']}  {escape(d['url'])}  {escape(d['rule'])}" for d in r["disallowed_urls"]] or ["    none"]
    lines.append("  robots.txt reads recorded by the crawler:")
    lines += [f"    {x['time']}  {x['host']}  {x['outcome']}  {x['digest'] or ''}".rstrip()
              for x in robots["read_by_crawler"]] or ["    none"]
    lines.append("Not made by this crawler (carrying its name, matching no audited request):")
    for c in r["unmatched_clients"]:
        lines.append(f"  {escape(c['client'])}  {c['requests']} requests  {c['first']} to {c['last']}")
        lines += [f"    User-Agent: {escape(agent)}" for agent in c["user_agents"]]
        lines += [f"    e.g. {escape(url)}" for url in c["urls"]]
    if not r["unmatched_clients"]:
        lines.append("  none")
    if r["invalid_samples"]:
        lines.append("Invalid lines (first ones):")
        lines += [f"  {escape(s['file'])}:{s['line']}: {escape(s['text'])}" for s in r["invalid_samples"]]
    return "\n".join(lines)


def as_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=1, ensure_ascii=True)
