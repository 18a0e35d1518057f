"""The `--html` reports of `scrapy audit` and `scrapy verify`: one
self-contained file a site owner can be sent and open anywhere.

Charts are drawn by matplotlib (the optional `report` extra) as SVG inlined
in the page, their text drawn as paths, so no font, script or image is
fetched; a Content-Security-Policy that allows no load at all makes the
browser hold the page to that. Tables are plain HTML, so the browser's find
searches them, and a click on a column's header sorts it. Every text that
came from a site or a log is escaped twice over: control characters made
visible (`crawler.reasons.escape`), then HTML-escaped.

The numbers shown carry `data-key` attributes named as in `--json`, written
exactly as JSON writes them, so the page and the JSON can be compared.
"""

from __future__ import annotations

import html
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError
from crawler.reasons import escape

REPORT_EXTRA = "pip install -e '.[report]'"
WIDTH, DPI = 13.0, 72  # inches: 936 px wide charts, the width of the page

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; margin: 0; background: #fff; }
main { width: 1000px; margin: 0 auto; padding: 24px 16px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; }
p.lead { font-size: 17px; font-weight: 600; background: #eef4ff; padding: 10px 14px; border-radius: 6px; }
.note { color: #555; font-size: 13px; }
dl.numbers { display: grid; grid-template-columns: 330px 1fr; gap: 4px 16px; margin: 12px 0; }
dl.numbers dt { color: #555; } dl.numbers dd { margin: 0; font-weight: 600; }
figure.chart { margin: 8px 0; width: 936px; }
figure.chart svg { display: block; width: 936px; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
td { overflow-wrap: anywhere; } td:first-child { white-space: nowrap; }
th { background: #f4f4f6; cursor: pointer; user-select: none; white-space: nowrap; }
th::after { content: " \\2195"; color: #999; }
"""

SORT_SCRIPT = """
for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th").forEach((th, column) => th.addEventListener("click", () => {
    const body = table.tBodies[0], ascending = th.dataset.order !== "asc";
    th.dataset.order = ascending ? "asc" : "desc";
    const value = row => row.cells[column].textContent;
    const rows = [...body.rows].sort((a, b) => {
      const x = value(a), y = value(b), n = Number(x) - Number(y);
      return (Number.isNaN(n) || x === "" || y === "" ? x.localeCompare(y) : n) * (ascending ? 1 : -1);
    });
    body.append(...rows);
  }));
}
"""


def require_charts(command: str) -> None:
    """A ConfigError naming the fix when matplotlib, which draws the charts, is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError(
            f"{command} --html draws its charts with matplotlib, which is not installed: "
            f"install the report extra ({REPORT_EXTRA})"
        ) from None


def check_target(path: Path) -> None:
    """Refuse an `--html` path that cannot be written, before any work."""
    if path.is_dir():
        raise ConfigError(f"--html {path} is a folder: give a file name, e.g. {path / 'report.html'}")
    if not path.parent.is_dir():
        raise ConfigError(f"--html {path}: the folder {path.parent} does not exist: create it or give another path")


def write_page(path: Path, page: str) -> None:
    """Write the page whole or not at all: a temporary file beside it, renamed."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _h(value: object) -> str:
    return html.escape(escape(str(value)))


def _number(key: str, value: Any) -> str:
    """A number as `--json` writes it, tagged with its JSON key."""
    return f'<span data-key="{key}">{html.escape(json.dumps(value))}</span>'


def _numbers(rows: Sequence[tuple[str, str]]) -> str:
    return '<dl class="numbers">' + "".join(f"<dt>{_h(label)}</dt><dd>{value}</dd>" for label, value in rows) + "</dl>"


def _table(headings: Sequence[str], rows: Sequence[Sequence[object]], table_id: str) -> str:
    if not rows:
        return '<p class="note">none</p>'
    head = "".join(f"<th>{_h(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{_h('' if c is None else c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="sortable" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _page(title: str, body: str) -> str:
    policy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<title>{_h(title)}</title><style>{CSS}</style></head>\n"
        f"<body><main>{body}</main><script>{SORT_SCRIPT}</script></body></html>\n"
    )


# --- charts -------------------------------------------------------------------

def _figure(height: float = 3.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts, never 0.5 of a request
    return figure, axes


def _time_axis(axes: Any, moments: Sequence[datetime], pad: float) -> None:
    """Dates on the x axis, at least `pad` hours either side of the data."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    span = max(moments) - min(moments)
    margin = max(span * 0.05, timedelta(hours=pad))
    axes.set_xlim(min(moments) - margin, max(moments) + margin)


def _chart(figure: Any, chart_id: str, caption: str = "") -> str:
    """A figure as inline SVG in a `<figure class="chart">` with an id."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": chart_id}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    caption_html = f"<figcaption class=\"note\">{_h(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart" id="{chart_id}">{svg[svg.index("<svg"):]}{caption_html}</figure>'


def _hour(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H:00Z").replace(tzinfo=UTC)


def per_hour_chart(series: Mapping[str, Mapping[str, int]], chart_id: str = "chart-per-hour") -> str:
    """Requests per hour (UTC) as stacked bars, one colour per series."""
    figure, axes = _figure()
    hours = sorted({hour for counts in series.values() for hour in counts})
    bottom = [0] * len(hours)
    for (label, counts), colour in zip(series.items(), ("#3b6fb6", "#d0473b")):
        values = [counts.get(hour, 0) for hour in hours]
        axes.bar([_hour(h) for h in hours], values, width=1 / 24 * 0.9, bottom=bottom, align="edge",
                 label=label, color=colour)
        bottom = [b + v for b, v in zip(bottom, values)]
    _time_axis(axes, [_hour(h) for h in hours] + [_hour(hours[-1]) + timedelta(hours=1)], 0.25)
    axes.set_ylabel("requests per hour")
    axes.set_xlabel("hour (UTC)")
    if len(series) > 1:
        axes.legend(frameon=False)
    return _chart(figure, chart_id)


def gap_chart(gaps: Sequence[float], delays: Mapping[str, float], chart_id: str = "chart-gaps") -> str:
    """A histogram of the gaps between request starts, each Crawl-delay marked."""
    figure, axes = _figure()
    ordered = sorted(gaps)
    top = max(ordered[int(0.95 * (len(ordered) - 1))] * 1.5, 2 * max(delays.values(), default=0), 1.0)
    over = sum(1 for g in ordered if g > top)
    axes.hist([min(g, top) for g in ordered], bins=40, range=(0, top), color="#3b6fb6")
    for value in sorted(set(delays.values())):
        hosts = ", ".join(sorted(h for h, d in delays.items() if d == value))
        axes.axvline(value, color="#d0473b", linewidth=2, linestyle="--", label=f"Crawl-delay {value:g} s ({hosts})")
    if delays:
        axes.legend(frameon=False, loc="upper right")
    axes.set_xlabel("seconds between two request starts on one host")
    axes.set_ylabel("gaps")
    caption = f"Gaps longer than {top:g} s ({over}) are counted in the last bar." if over else ""
    if not delays:
        caption += " No robots.txt Crawl-delay was recorded."
    return _chart(figure, chart_id, caption.strip())


def bar_chart(counts: Mapping[str, int], label: str, chart_id: str) -> str:
    """Horizontal bars, one per key (a skip reason, a status code)."""
    from matplotlib.ticker import MaxNLocator

    figure, axes = _figure(max(1.6, 0.8 + 0.3 * len(counts)))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    keys = list(counts)
    axes.barh(keys, [counts[k] for k in keys], color="#3b6fb6")
    axes.invert_yaxis()
    axes.set_xlabel(label)
    for y, key in enumerate(keys):
        axes.annotate(str(counts[key]), (counts[key], y), xytext=(4, 0), textcoords="offset points", va="center")
    return _chart(figure, chart_id)


def robots_chart(reads: Sequence[Mapping[str, Any]], chart_id: str = "chart-robots") -> str:
    """When each host's robots.txt was read, a colour per version (digest)."""
    hosts = sorted({r["host"] for r in reads})
    figure, axes = _figure(max(1.8, 1.2 + 0.35 * len(hosts)))
    versions = list(dict.fromkeys(r["digest"] or r["outcome"] for r in reads))
    colours = ["#3b6fb6", "#d0473b", "#2e9d5b", "#c08a1e", "#7a4fb3", "#555555"]
    for number, version in enumerate(versions):
        chosen = [r for r in reads if (r["digest"] or r["outcome"]) == version]
        name = f"{version[:18]}…" if version.startswith("sha1:") else version
        axes.scatter([_moment(r["time"]) for r in chosen], [hosts.index(r["host"]) for r in chosen], s=60,
                     color=colours[number % len(colours)], label=name if number < 8 else None, zorder=3)
    axes.set_yticks(range(len(hosts)), hosts)
    axes.set_ylim(-0.6, len(hosts) - 0.4)
    _time_axis(axes, [_moment(r["time"]) for r in reads], 0.1)
    axes.set_xlabel("time read (UTC)")
    axes.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1, 1))
    return _chart(figure, chart_id)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- pages --------------------------------------------------------------------

def audit_page(summary: Mapping[str, Any], subject: str, gaps: Sequence[float]) -> str:
    """The `scrapy audit --html` page, from `auditreport.summarize(rows, with_urls=True)`
    and the gaps between request starts."""
    s = summary
    delays = s["crawl_delays"]
    parts = [
        f"<h1>What the crawler did on {_h(subject)}</h1>",
        f'<p class="note">From the crawler\'s audit dataset, {_h(s["first"])} to {_h(s["last"])} '
        f'(crawls: {_h(", ".join(s["crawls"]))}). Made by <code>scrapy audit --html</code>; this page loads '
        "nothing from anywhere.</p>",
        f'<p class="lead">{_number("requests", s["requests"])} requests; shortest gap between two request '
        f'starts on one host {_number("shortest_gap_seconds", s["shortest_gap_seconds"])} s; '
        f'{_number("stored", s["stored"])} documents stored.</p>',
        _numbers([
            ("Hosts", _h(", ".join(s["hosts"]))),
            ("Requests", _number("requests", s["requests"])),
            ("Pages and sitemaps fetched", _number("pages_fetched", s["pages_fetched"])),
            ("Documents stored", _number("stored", s["stored"])),
            ("Failed requests (no answer)", _number("failed_requests", s["failed_requests"])),
            ("Shortest gap between request starts (s)", _number("shortest_gap_seconds", s["shortest_gap_seconds"])),
            ("Most requests in any 60 s", _number("most_requests_in_60s", s["most_requests_in_60s"])),
            ("robots.txt Crawl-delay", _h(", ".join(f"{h} {d:g} s" for h, d in delays.items()) or "none")),
            ("Statuses", _h(", ".join(f"{k}: {v}" for k, v in s["statuses"].items()) or "none")),
        ]),
        "<h2>Requests per hour</h2>",
        per_hour_chart({"requests": s["requests_per_hour"]}) if s["requests_per_hour"] else '<p class="note">none</p>',
        "<h2>Gaps between request starts</h2>",
        gap_chart(gaps, delays) if gaps else '<p class="note">fewer than two requests to any host</p>',
        "<h2>Skipped, per reason</h2>",
        bar_chart(s["skipped"], "URLs skipped", "chart-skips") if s["skipped"] else '<p class="note">none</p>',
        _table(["reason", "URLs"], list(s["skipped"].items()), "skips"),
        "<h2>robots.txt and other policy files read</h2>",
        robots_chart([{**f, "host": f["url"].split("/")[2]} for f in s["policy_files"] if "/robots.txt" in f["url"]])
        if any("/robots.txt" in f["url"] for f in s["policy_files"]) else '<p class="note">none</p>',
        _table(["time", "URL", "outcome", "detail", "digest"],
               [(f["time"], f["url"], f["outcome"], f["detail"], f["digest"]) for f in s["policy_files"]], "policy"),
        "<h2>Pauses, resumptions, slowdowns and give-ups</h2>",
        _table(["time", "host", "event", "reason", "seconds", "detail"],
               [(e["time"], e["host"], e["event"], e["reason"], e["seconds"], e["detail"]) for e in s["host_events"]],
               "pauses"),
        "<h2>Every URL</h2>",
        '<p class="note">Click a column to sort; use your browser\'s find to search.</p>',
        _table(["time", "event", "status", "reason", "URL", "detail"],
               [(u["time"], u["event"], u["status"], u["reason"], u["url"], u["detail"]) for u in s.get("urls", [])],
               "urls"),
    ]
    return _page(f"Audit of {subject}", "\n".join(parts))


def verify_page(result: Mapping[str, Any], summary: str, gaps: Sequence[float]) -> str:
    """The `scrapy verify --html` page, from `Verification.result()`, its
    summary line and the gaps between matched requests."""
    r = result
    delays = {h: v["crawl_delay"] for h, v in r["hosts"].items() if v["crawl_delay"] is not None}
    robots = r["robots"]
    if robots["source"] is None:
        disallowed = ('<p class="note">Not judged: the audit records which robots.txt versions the crawler read '
                      "(their digests), not their text. Run <code>scrapy verify</code> with "
                      "<code>--robots FILE</code>, your robots.txt.</p>")
    else:
        same = ("the version the crawler read at " + ", ".join(robots["same_as_read_at"])
                if robots["same_as_read_at"] else "not a version the crawler read")
        disallowed = (f'<p class="note">Judged by {_h(robots["source"])} ({_h(robots["digest"])}, {_h(same)}).</p>'
                      + _table(["time", "URL", "rule"],
                               [(d["time"], d["url"], d["rule"]) for d in r["disallowed_urls"]], "disallowed"))
    hours = {"by this crawler": r["requests_per_hour"], "not by this crawler": r["unmatched_per_hour"]}
    parts = [
        "<h1>The site's access log against the crawler's record</h1>",
        f'<p class="note">Logs: {_h("; ".join(log["file"] for log in r["logs"]))}; audit dataset '
        f'{_h(r["audit"]["dir"])}. Made by <code>scrapy verify --html</code>; this page loads nothing from '
        "anywhere.</p>",
        f'<p class="lead" id="summary-line">{_h(summary)}</p>',
        _numbers([
            ("Requests by this crawler (matched)", _number("matched", r["matched"])),
            ("Requests carrying its name, not by it", _number("unmatched", r["unmatched"])),
            ("Shortest gap between two of its requests (s)", _number("min_gap_seconds", r["min_gap_seconds"])),
            ("Most of its requests in any 60 s", _number("max_requests_per_minute", r["max_requests_per_minute"])),
            ("Disallowed URLs it fetched", _number("disallowed_fetched", r["disallowed_fetched"])),
            ("Log lines read / invalid", f'{_number("lines", r["lines"])} / {_number("invalid_lines", r["invalid_lines"])}'),
            ("Time precision of the log (s)", _number("time_precision_seconds", r["time_precision_seconds"])),
            ("Matching tolerance (s)", _number("tolerance_seconds", r["tolerance_seconds"])),
            ("Audited requests in the log's time span not in the log",
             _number("not_in_log", r["audit"]["not_in_log"])),
        ]),
        "<h2>Requests per hour, as the server logged them</h2>",
        per_hour_chart(hours) if r["requests_per_hour"] or r["unmatched_per_hour"] else '<p class="note">none</p>',
        "<h2>Gaps between the crawler's requests, as the server logged them</h2>",
        gap_chart(gaps, delays) if gaps else '<p class="note">fewer than two requests to any host</p>',
        _table(["host", "requests", "shortest gap (s)", "most in 60 s", "Crawl-delay (s)", "from", "gaps below it"],
               [(h, v["matched"], v["min_gap_seconds"], v["max_requests_per_minute"], v["crawl_delay"],
                 v["crawl_delay_from"], v["gaps_below_crawl_delay"]) for h, v in r["hosts"].items()], "hosts"),
        "<h2>Statuses served to the crawler</h2>",
        bar_chart(r["statuses"], "requests", "chart-statuses") if r["statuses"] else '<p class="note">none</p>',
        "<h3>401, 403 and 429, and whether the crawler asked again</h3>",
        _table(["time", "status", "URL", "asked again after (s)"],
               [(f["time"], f["status"], f["url"], f["retried_after_seconds"]) for f in r["refusals"]], "refusals"),
        "<h2>Disallowed URLs fetched</h2>",
        disallowed,
        "<h2>Requests carrying the crawler's name that it did not make</h2>",
        _table(["client", "requests", "first", "last", "User-Agents", "URLs (examples)"],
               [(c["client"], c["requests"], c["first"], c["last"], " | ".join(c["user_agents"]),
                 " ".join(c["urls"])) for c in r["unmatched_clients"]], "unmatched"),
        "<h2>robots.txt reads recorded by the crawler</h2>",
        _table(["time", "host", "outcome", "digest"],
               [(x["time"], x["host"], x["outcome"], x["digest"]) for x in robots["read_by_crawler"]], "robots"),
        "<h2>Invalid log lines (first ones)</h2>",
        _table(["file", "line", "text"], [(s["file"], s["line"], s["text"]) for s in r["invalid_samples"]], "invalid"),
    ]
    return _page("Access log verified against the crawler's audit", "\n".join(parts))
