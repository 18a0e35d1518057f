"""What a crash, a signal or a full disk leaves behind."""

import collections
import json
import random
import signal
import subprocess
import time

import duckdb
import pyarrow.dataset as ds
import pytest

from crawler.localweb import LocalWeb, Reply, Site, html
from crawler.shards import MANIFESTS, STAGING, control_dir
from tests.support import REPO, crawl_command, crawl_env, run_crawl

HOSTS = [f"site{i}.example.com" for i in range(20)]
PAGES = 100


def tree_site(host: str, pages: int, body_bytes: int = 2000) -> Site:
    """Page i links to pages 3i+1..3i+3: every page reachable from the home page."""
    site = Site({"/robots.txt": Reply(status=404), "/.well-known/tdmrep.json": Reply(status=404)})
    for i in range(pages):
        links = "".join(f'<a href="/p{j}">{j}</a>' for j in range(3 * i + 1, min(3 * i + 4, pages)))
        text = random.Random(f"{host}{i}").randbytes(body_bytes // 2).hex()
        site["/" if i == 0 else f"/p{i}"] = html(f"<main><h1>{host} {i}</h1><p>{text}</p>{links}</main>")
    return site


def expected_urls(hosts, pages):
    return {f"http://{h}/" if i == 0 else f"http://{h}/p{i}" for h in hosts for i in range(pages)}


def stored(out):
    if not any((out / "documents").glob("*.parquet")):
        return collections.Counter()
    table = ds.dataset(out / "documents", format="parquet").to_table(columns=["url"])
    return collections.Counter(table.column("url").to_pylist())


def published_rows(out):
    manifests = (control_dir(out / "documents") / MANIFESTS).glob("*.json")
    return sum(json.loads(path.read_text())["rows"] for path in manifests)


FAST = {"DOWNLOAD_DELAY": 0, "PARQUET_FILE_SECONDS": 1, "AUDIT_FILE_SECONDS": 1, "PROGRESS_INTERVAL": 0}


def start(web, out, settings):
    return subprocess.Popen(crawl_command(",".join(f"http://{h}/" for h in web.sites), out, settings),
                            cwd=REPO, env=crawl_env(web), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def big_web():
    web = LocalWeb({h: tree_site(h, PAGES) for h in HOSTS}).start()
    yield web
    web.stop()


def test_kill_9_three_times_then_resume_stores_every_document_once(big_web, tmp_path):
    out = tmp_path / "out"
    settings = FAST | {"JOBDIR": str(tmp_path / "job")}
    rng = random.Random(20261129)
    total = len(HOSTS) * PAGES
    for target in sorted(rng.uniform(0.05, 0.85) * total for _ in range(3)):
        process = start(big_web, out, settings)
        deadline = time.time() + 120
        while published_rows(out) < target and time.time() < deadline and process.poll() is None:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.5))  # a random moment: mid-shard, mid-request, mid-commit
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path in (out / "documents").glob("**/*.parquet"):  # every file a reader sees is whole
            duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()
    partial = stored(out)
    assert 0 < sum(partial.values()) < len(HOSTS) * PAGES, "a kill landed after the crawl had finished"
    final = start(big_web, out, settings)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err[-3000:]
    assert "Resuming crawl" in err
    counts = stored(out)
    assert set(counts) == expected_urls(HOSTS, PAGES)
    assert max(counts.values()) == 1, [u for u, n in counts.items() if n > 1][:5]
    assert list((control_dir(out / "documents") / STAGING).iterdir()) == []
    # the audit records agree with the documents: each stored one was requested and recorded as stored
    audit = ds.dataset(out / "audit", format="parquet").to_table(columns=["event", "url"]).to_pylist()
    recorded = {r["url"] for r in audit if r["event"] == "stored"}
    requested = {r["url"] for r in audit if r["event"] == "request"}
    assert set(counts) <= recorded <= requested


def test_sigterm_stops_gracefully_and_publishes_then_resumes(tmp_path):
    web = LocalWeb({h: tree_site(h, 40) for h in HOSTS[:4]}).start()
    out = tmp_path / "out"
    settings = FAST | {"JOBDIR": str(tmp_path / "job"), "DOWNLOAD_DELAY": 0.3, "PARQUET_FILE_SECONDS": 600}
    try:
        process = start(web, out, settings)
        time.sleep(6)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        first = stored(out)
        assert 0 < sum(first.values()) < 160  # published at the stop, not at the end of the crawl
        assert list((control_dir(out / "documents") / STAGING).iterdir()) == []
        process = start(web, out, settings)
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]
        counts = stored(out)
        assert set(counts) == expected_urls(HOSTS[:4], 40) and max(counts.values()) == 1
    finally:
        web.stop()


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_stops_the_crawl_cleanly(serve, tmp_path, small_disk):
    web = serve({"www.example.com": tree_site("www.example.com", 400, body_bytes=40_000)})
    out = tmp_path / "out"
    settings = {"DOWNLOAD_DELAY": 0, "PARQUET_DIR": str(small_disk / "documents"), "AUDIT_DIR": str(tmp_path / "audit"),
                "PARQUET_FILE_BYTES": 200_000, "PARQUET_ROW_GROUP_BYTES": 100_000, "PARQUET_COMPRESSION": "none"}
    crawl = run_crawl(web, "http://www.example.com/", out, settings=settings)
    assert crawl.returncode == 1, crawl.log[-3000:]
    errors = [line for line in crawl.log.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "PARQUET_DIR" in errors[0]
    documents = small_disk / "documents"
    assert list((control_dir(documents) / STAGING).iterdir()) == []  # nothing partial
    manifest = json.loads(next((control_dir(documents) / MANIFESTS).iterdir()).read_text())
    assert manifest["shards"]
    for shard in manifest["shards"]:  # every shard published before the disk filled is intact
        assert (documents / shard["file"]).stat().st_size == shard["bytes"]
        duckdb.sql(f"SELECT count(*) FROM read_parquet('{documents / shard['file']}')").fetchall()
    assert len(web.log) < 402  # the crawl stopped instead of fetching everything


def test_kill_9_never_leaves_an_unreadable_shard(serve, tmp_path):
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(400))
    pages = {f"/p{i}": html(f"<p>{random.Random(i).randbytes(3000).hex()}</p>") for i in range(400)}
    web = serve({"www.example.com": Site({"/": html(links), **pages})})
    settings = {"DOWNLOAD_DELAY": 0, "PARQUET_ROW_GROUP_BYTES": 30000, "PARQUET_FILE_BYTES": 60000}
    rng = random.Random(7)
    out = tmp_path / "out"
    killed_mid_file = 0
    for attempt in range(4):
        process = subprocess.Popen(
            crawl_command("http://www.example.com/", out, settings | {"CRAWL_ID": f"run{attempt}"}),
            cwd=REPO, env=crawl_env(web), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while not list((out / "documents").glob(f"run{attempt}-*.parquet")) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_mid_file += bool(list((control_dir(out / "documents") / STAGING).glob("*.inprogress")))
        files = sorted((out / "documents").glob("**/*.parquet"))
        assert files
        for path in files:
            duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()
        duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/documents/**/*.parquet')").fetchall()
    assert killed_mid_file, "no kill landed while a shard was being written"
