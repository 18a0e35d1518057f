"""What a crash leaves behind."""

import random
import signal
import subprocess
import time

import duckdb

from crawler.localweb import Site, html
from crawler.shards import STAGING
from tests.support import REPO, crawl_command, crawl_env


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
        killed_mid_file += bool(list((out / "documents" / STAGING).glob("*.inprogress")))
        files = sorted((out / "documents").glob("**/*.parquet"))
        assert files
        for path in files:
            duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()
        duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/documents/**/*.parquet')").fetchall()
    assert killed_mid_file, "no kill landed while a shard was being written"
