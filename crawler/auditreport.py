"""What the crawler did on a site, from the audit dataset alone: requests per
hour, the highest request rate, robots.txt versions, pages fetched, stored and
skipped per reason, pauses, and every URL. Reads files; never contacts a site."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.datasets import checked_shards, open_dataset
from crawler.robots import noted_delay
from crawler.shards import AUDIT

POLICY_PATHS = ("/robots.txt", "/.well-known/tdmrep.json")
WINDOW = 60.0


def load(directory: Path, host: str | None, domain: str | None,
         since: datetime | None, until: datetime | None, urls: list[str] | None = None) -> list[dict[str, Any]]:
    """The audit rows of a host, a registered domain or, with `urls`, whose
    URL is one of them (a URL and its pseudonym), oldest first; a
    ConfigError when `directory` is not an audit dataset."""
    import pyarrow.dataset as ds  # here: Scrapy imports every command at start-up, and this import alone adds ~50 MB

    dataset = open_dataset(checked_shards(directory, AUDIT, "AUDIT_DIR"), AUDIT)
    if urls:
        field = ds.field("url").isin(urls)
    else:
        field = ds.field("host") == host if host else ds.field("registered_domain") == domain
    if since is not None:
        field &= ds.field("time") >= since
    if until is not None:
        field &= ds.field("time") < until
    rows = dataset.to_table(filter=field).to_pylist()
    rows.sort(key=lambda r: r["time"])
    return rows


def iso(moment: datetime) -> str:
    """A moment as ISO 8601 UTC to the millisecond, e.g. 2026-11-29T10:15:32.125Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _kind(url: str) -> str:
    path = url.split("://", 1)[-1].partition("/")[2]
    return "policy file" if f"/{path}" in POLICY_PATHS else "page or sitemap"


def gaps(times: Sequence[float]) -> list[float]:
    """Seconds between consecutive request starts on one host (`times` sorted)."""
    return [b - a for a, b in zip(times, times[1:])]


def busiest(times: Sequence[float], window: float = WINDOW) -> int:
    """The most requests that started within any `window` seconds (`times`
    sorted): the rate a site owner's monitoring sees, read without binning."""
    most = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def request_times(rows: Sequence[dict[str, Any]]) -> dict[str, list[float]]:
    """Each host's request start times (POSIX seconds), oldest first."""
    per_host: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r["event"] == "request":
            per_host[r["host"]].append(r["time"].timestamp())
    for times in per_host.values():
        times.sort()
    return per_host


def crawl_delays(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each host's Crawl-delay, as the last robots.txt read recorded it."""
    return {r["host"]: delay for r in rows
            if r["event"] == "robots" and (delay := noted_delay(r["detail"])) is not None}


def summarize(rows: Sequence[dict[str, Any]], *, with_urls: bool = False) -> dict[str, Any]:
    requests = [r for r in rows if r["event"] == "request"]
    per_host = request_times(rows)
    all_gaps = [gap for times in per_host.values() for gap in gaps(times)]
    summary: dict[str, Any] = {
        "crawls": sorted({r["crawl_id"] for r in rows}),
        "hosts": sorted({r["host"] for r in rows}),
        "first": iso(rows[0]["time"]) if rows else None,
        "last": iso(rows[-1]["time"]) if rows else None,
        "requests": len(requests),
        "requests_by_kind": dict(Counter(_kind(r["url"]) for r in requests)),
        "statuses": {str(k): v for k, v in sorted(Counter(r["status"] for r in requests if r["status"]).items())},
        "failed_requests": sum(1 for r in requests if r["reason"] == "error"),
        "requests_per_hour": dict(Counter(
            r["time"].astimezone(UTC).strftime("%Y-%m-%dT%H:00Z") for r in requests
        )),
        "shortest_gap_seconds": round(min(all_gaps), 3) if all_gaps else None,
        "most_requests_in_60s": max((busiest(times) for times in per_host.values()), default=0),
        "crawl_delays": crawl_delays(rows),
        "policy_files": [
            {"time": iso(r["time"]), "url": r["url"], "outcome": r["reason"], "detail": r["detail"],
             "digest": r["digest"]}
            for r in rows if r["event"] in ("robots", "tdmrep")
        ],
        "pages_fetched": sum(1 for r in requests if _kind(r["url"]) != "policy file"),
        "stored": sum(1 for r in rows if r["event"] == "stored"),
        "skipped": dict(sorted(Counter(r["reason"] for r in rows if r["event"] == "skip").items())),
        "host_events": [
            {"time": iso(r["time"]), "host": r["host"], "event": r["event"], "reason": r["reason"],
             "detail": r["detail"], "seconds": r["gap"] if r["event"] == "pause" else None}
            for r in rows if r["event"] in ("pause", "resume", "giveup", "slowdown")
        ],
    }
    if with_urls:
        summary["urls"] = [
            {"time": iso(r["time"]), "event": r["event"], "url": r["url"], "status": r["status"],
             "reason": r["reason"], "detail": r["detail"], "gap": r["gap"]}
            for r in rows if r["url"] is not None
        ]
    return summary


def render(summary: dict[str, Any], subject: str) -> str:
    lines = [f"Audit of {subject}: {summary['first']} to {summary['last']} (crawls: {', '.join(summary['crawls'])})"]
    if len(summary["hosts"]) > 1:
        lines.append(f"Hosts: {', '.join(summary['hosts'])}")
    kinds = ", ".join(f"{k} {v}" for k, v in summary["requests_by_kind"].items())
    statuses = ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items())
    lines.append(f"Requests: {summary['requests']} ({kinds}); statuses {statuses or 'none'}; "
                 f"failed {summary['failed_requests']}")
    gap = summary["shortest_gap_seconds"]
    lines.append(f"Highest request rate: shortest gap between request starts to one host "
                 f"{'n/a' if gap is None else f'{gap:.3f} s'}; most requests in any 60 s: {summary['most_requests_in_60s']}")
    delays = ", ".join(f"{host} {delay:g} s" for host, delay in summary["crawl_delays"].items())
    lines.append(f"robots.txt Crawl-delay: {delays or 'none recorded'}")
    lines.append("Requests per hour (UTC):")
    lines += [f"  {hour}  {count}" for hour, count in sorted(summary["requests_per_hour"].items())]
    lines.append("Policy files fetched:")
    lines += [f"  {f['time']}  {f['url']}  {f['outcome']} ({f['detail']}){'  ' + f['digest'] if f['digest'] else ''}"
              for f in summary["policy_files"]] or ["  none"]
    lines.append(f"Pages and sitemaps fetched: {summary['pages_fetched']}; documents stored: {summary['stored']}")
    lines.append("Skipped, per reason:")
    lines += [f"  {reason:20} {count}" for reason, count in summary["skipped"].items()] or ["  none"]
    if summary["host_events"]:
        lines.append("Pauses, resumptions and give-ups:")
        lines += [f"  {e['time']}  {e['event']} {e['host']} ({e['reason']})"
                  + (f" for {e['seconds']:g} s" if e["seconds"] else "") + (f": {e['detail']}" if e["detail"] else "")
                  for e in summary["host_events"]]
    if "urls" in summary:
        lines.append("URLs:")
        for u in summary["urls"]:
            what = {"request": f"request {u['status'] or u['reason']}", "stored": "stored"}.get(
                u["event"], f"{u['event']} {u['reason'] or ''}".strip())
            lines.append(f"  {u['time']}  {what:22} {u['url']}" + (f"  ({u['detail']})" if u["event"] == "skip" else ""))
    return "\n".join(lines)


def as_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=1, ensure_ascii=False)
