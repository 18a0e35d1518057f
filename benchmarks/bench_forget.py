"""Cost of erasing one host from a large dataset.

    .venv/bin/python -m benchmarks.bench_forget            # 100,000 documents over 20 shards, ~5 minutes
    .venv/bin/python -m benchmarks.bench_forget --documents 10000 --shards 4

Writes a dataset as a crawl would (the crawl's default row groups of 32 MiB,
one shard per crawl), in a temporary folder: ~24 KB article pages (realistic
size and compressibility), their text, and two audit rows per document. Every
host has documents in every shard, so forgetting one rewrites every shard,
the worst case. Then runs `scrapy forget --host H` and `scrapy lookup --host H`
as the operator would, through tests/counting.py for the process's own peak
RSS (VmHWM). Targets: under 60 s, and never more than one shard in memory
(the peak above a scan that rewrites nothing stays below one shard's decoded size).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pages import article  # noqa: E402
from crawler.shards import AUDIT, DOCUMENTS, ShardWriter  # noqa: E402

START = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z, in microseconds
_TAG = re.compile(r"<[^>]+>")


def host(i: int) -> str:
    return f"site{i:04d}.example.com"


def make(out: Path, documents: int, shards: int, hosts: int) -> None:
    per_shard = documents // shards
    for s in range(shards):
        crawl = f"crawl{s:02d}"
        writers = {}
        for dataset, bytes_per_group in ((DOCUMENTS, 32 << 20), (AUDIT, 4 << 20)):
            writers[dataset.name] = ShardWriter(
                out / dataset.name, crawl, dataset.schema, schema_version=dataset.schema_version,
                row_bytes=dataset.row_bytes, row_group_bytes=bytes_per_group, file_bytes=1 << 40,
                dictionary_columns=dataset.dictionary_columns, metadata={"dataset": dataset.name, **dataset.metadata})
        for k in range(per_shard):
            i = s * per_shard + k
            name = host(i % hosts)
            url = f"http://{name}/article/{i}"
            body = article(i)
            when = START + i * 1_000_000
            writers["audit"].write({"crawl_id": crawl, "time": when, "event": "request", "host": name,
                                    "registered_domain": "example.com", "url": url, "status": 200,
                                    "bytes": len(body)})
            writers["audit"].write({"crawl_id": crawl, "time": when, "event": "stored", "host": name,
                                    "registered_domain": "example.com", "url": url, "digest": f"sha1:{i}"})
            writers["documents"].write({
                "id": f"<urn:uuid:{i}>", "crawl_id": crawl, "url": url, "requested_url": url, "status": 200,
                "fetch_time": when, "host": name, "registered_domain": "example.com", "depth": 1,
                "content_type": "text/html; charset=utf-8", "charset": "utf-8",
                "headers": [{"name": "Content-Type", "value": "text/html; charset=utf-8"}], "body": body,
                "digest": f"sha1:{i}", "text": _TAG.sub(" ", body.decode()), "extractor": "lxml-main",
                "purpose": "ai-training", "robots_directives": [], "tdm_reservation": None, "tdm_policy": None,
                "tdm_source": None, "content_usage": None, "language": "en", "language_score": 0.9,
            })
        for writer in writers.values():
            writer.close()
        print(f"  shard {s + 1}/{shards} written", file=sys.stderr)


def scrapy(out: Path, *args: str) -> tuple[float, int, int, str]:
    """Run a scrapy command on the dataset: wall seconds, peak RSS bytes, the
    most bytes pyarrow held at once, stdout."""
    counts = out / "counts.json"
    command = [sys.executable, "tests/counting.py", *args, "-s", f"PARQUET_DIR={out / 'documents'}",
               "-s", f"AUDIT_DIR={out / 'audit'}"]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=dict(os.environ, COUNTS_FILE=str(counts)),
                            capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if result.returncode:
        sys.exit(f"{' '.join(args)} failed: {result.stderr}")
    counted = json.loads(counts.read_text())
    return elapsed, counted["peak_rss"], counted["arrow_peak"], result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    target = host(7)
    with tempfile.TemporaryDirectory(prefix="bench-forget-") as tmp:
        out = Path(tmp)
        started = time.monotonic()
        make(out, opts.documents, opts.shards, opts.hosts)
        made = time.monotonic() - started
        files = sorted((out / "documents").glob("*.parquet"))
        metadata = [pq.read_metadata(f) for f in files]
        decoded = max(sum(m.row_group(g).total_byte_size for g in range(m.num_row_groups)) for m in metadata)
        group = max(m.row_group(g).total_byte_size for m in metadata for g in range(m.num_row_groups))
        on_disk = sum(f.stat().st_size for f in files)
        scan_time, scan_rss, _, _ = scrapy(out, "forget", "--host", "never-crawled.example.com")
        lookup_time, lookup_rss, _, listed = scrapy(out, "lookup", "--host", target, "--json")
        forget_time, forget_rss, forget_arrow, receipt_text = scrapy(out, "forget", "--host", target, "--json")
        receipt = json.loads(receipt_text)
        left = sum(pq.read_metadata(f).num_rows for f in (out / "documents").glob("*.parquet"))
    result = {
        "documents": opts.documents, "shards": len(files), "hosts": opts.hosts, "dataset_bytes": on_disk,
        "largest_shard_decoded_bytes": decoded, "largest_row_group_decoded_bytes": group,
        "build_seconds": round(made, 1),
        "lookup": {"seconds": round(lookup_time, 2), "peak_rss": lookup_rss,
                   "documents": len(json.loads(listed)["documents"])},
        "scan_only": {"seconds": round(scan_time, 2), "peak_rss": scan_rss},
        "forget": {"seconds": round(forget_time, 2), "peak_rss": forget_rss, "arrow_peak": forget_arrow,
                   "documents_removed": receipt["documents_removed"],
                   "files_rewritten": len(receipt["files_rewritten"]),
                   "audit_rows_pseudonymised": receipt["audit_rows_pseudonymised"]},
        "documents_left": left,
    }
    if opts.json:
        print(json.dumps(result, indent=1))
        return
    mb = 1 << 20
    print(f"Dataset: {opts.documents:,} documents in {len(files)} shards ({on_disk / mb:,.0f} MB on disk; "
          f"largest shard {decoded / mb:,.0f} MB decoded, row groups up to {group / mb:,.0f} MB); built in {made:.0f} s")
    print(f"scrapy lookup --host {target}: {lookup_time:.1f} s, peak RSS {lookup_rss / mb:.0f} MB, "
          f"{result['lookup']['documents']} documents")
    print(f"scrapy forget (a host with no document: scans, rewrites nothing): {scan_time:.1f} s, "
          f"peak RSS {scan_rss / mb:.0f} MB")
    print(f"scrapy forget --host {target}: {forget_time:.1f} s, peak RSS {forget_rss / mb:.0f} MB; "
          f"{receipt['documents_removed']} documents removed, {len(receipt['files_rewritten'])} files rewritten, "
          f"{receipt['audit_rows_pseudonymised']} audit rows pseudonymised; {left:,} documents left")
    print(f"Peak above the scan: {(forget_rss - scan_rss) / mb:.0f} MB; most Arrow data held at once: "
          f"{forget_arrow / mb:.0f} MB (one shard decoded: {decoded / mb:.0f} MB)")


if __name__ == "__main__":
    main()
