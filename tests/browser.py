"""Open an `--html` report in headless Chromium (Debian's `chromium`, which
.ci/run installs), as a site owner's browser would: its DOM after scripts
ran, where each chart was laid out, and a screenshot of the whole page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

WIDTH = 1280
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars",
         "--force-device-scale-factor=1"]

# Added to a copy of the page only: writes each chart's box, and the page's
# height, into the DOM for --dump-dom to carry out.
PROBE = """<script>
for (const chart of document.querySelectorAll("figure.chart")) {
  const box = chart.querySelector("svg").getBoundingClientRect();
  chart.dataset.box = JSON.stringify([box.left + scrollX, box.top + scrollY, box.width, box.height]);
}
document.documentElement.dataset.height = document.documentElement.scrollHeight;
</script>"""


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "headless Chromium is needed: apt-get install chromium (.ci/run does it)"
    return found


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = folder / f"profile-{len(list(folder.glob('profile-*')))}"
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.boxes: dict[str, list[float]] = {}
        self.numbers: dict[str, list[str]] = {}
        self.height = 0
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.height = int(found.get("data-height") or 0)
        if tag == "figure" and "chart" in (found.get("class") or ""):
            self.boxes[found["id"] or ""] = json.loads(found["data-box"] or "[]")
        if found.get("data-key"):
            self._key = found["data-key"]

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.numbers.setdefault(self._key, []).append(data)
            self._key = None


@dataclass
class Rendered:
    dom: str
    boxes: dict[str, list[float]]  # chart id: left, top, width, height in CSS pixels
    numbers: dict[str, list[Any]]  # data-key: the values the page shows, parsed as JSON
    screenshot: Path

    def drawn(self, box: list[float]) -> bool:
        """Whether the screenshot shows a drawing inside `box` (left, top,
        width, height): many non-white pixels, in more than one shade."""
        left, top, width, height = box
        with Image.open(self.screenshot) as image:
            region = image.convert("L").crop((int(left), int(top), int(left + width), int(top + height)))
        inked = sum(region.histogram()[:200]) / (region.width * region.height)
        return inked > 0.01 and ImageStat.Stat(region).stddev[0] > 20

    def charts_drawn(self) -> dict[str, bool]:
        """For each chart, whether it was laid out at a useful size and drawn there."""
        return {chart: box[2] > 300 and box[3] > 80 and self.drawn(box) for chart, box in self.boxes.items()}


def open_report(page: Path, folder: Path) -> Rendered:
    """Lay the page out and screenshot it whole in headless Chromium."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dumped = _run(folder, f"--window-size={WIDTH},1000", "--dump-dom", probe.as_uri())
    assert dumped.returncode == 0 and "<html" in dumped.stdout, dumped.stderr[-2000:]
    reader = _Reader()
    reader.feed(dumped.stdout)
    assert reader.height > 0, "the probe did not run: " + dumped.stdout[:500]
    screenshot = folder / "page.png"
    shot = _run(folder, f"--window-size={WIDTH},{min(reader.height, 16000)}", f"--screenshot={screenshot}",
                page.as_uri())
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    numbers = {key: [json.loads(v) for v in values] for key, values in reader.numbers.items()}
    return Rendered(dumped.stdout, reader.boxes, numbers, screenshot)


def loads_nothing(page: str) -> bool:
    """No attribute or style of the page points outside it."""
    return not re.search(r"""\b(?:src|href|action|srcset)\s*=\s*(?!["']?#)|url\(\s*(?!["']?#)|@import""", page)
