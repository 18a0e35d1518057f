"""A synthetic dataset for erasure tests and benchmarks: documents and their
audit rows, as a crawl writes them, without crawling."""

from __future__ import annotations

import random
from pathlib import Path

from crawler.shards import AUDIT, DOCUMENTS, Dataset, ShardWriter

HOSTS = ["www.a.example", "people.b.example", "c.example"]
PERSON = "jane.roe@example.org"
DAY = 86_400_000_000  # microseconds
START = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


def writer(folder: Path, dataset: Dataset, prefix: str, file_bytes: int, row_group_bytes: int) -> ShardWriter:
    return ShardWriter(folder, prefix, dataset.schema, schema_version=dataset.schema_version,
                       row_bytes=dataset.row_bytes, row_group_bytes=row_group_bytes, file_bytes=file_bytes,
                       dictionary_columns=dataset.dictionary_columns, metadata={"dataset": dataset.name})


def document(crawl: str, i: int, body: bytes, hosts: list[str] = HOSTS) -> dict:
    host = hosts[i % len(hosts)]
    url = f"http://{host}/p{i}" if i % 11 else f"http://{host}/contact/{PERSON}"
    return {
        "id": f"<urn:uuid:{crawl}-{i}>", "crawl_id": crawl, "url": url,
        "requested_url": url if i % 5 else f"http://{host}/old/p{i}",
        "status": 200, "fetch_time": START + i * DAY // 10, "host": host,
        "registered_domain": host.split(".", 1)[1] if host.startswith(("www.", "people.")) else host,
        "depth": 1, "content_type": "text/html", "charset": "utf-8",
        "headers": [{"name": "Content-Type", "value": "text/html"}], "body": body,
        "digest": f"sha1:{crawl}-{i}", "text": f"page {i}" + (f" written by {PERSON}" if i % 7 == 0 else ""),
        "extractor": "lxml-main", "purpose": "ai-training", "robots_directives": [], "tdm_reservation": None,
        "tdm_policy": None, "tdm_source": None, "content_usage": None, "language": "en", "language_score": 0.9,
    }


def audit_rows(doc: dict) -> list[dict]:
    """What a crawl records about a document: its request, the stored event,
    and a skipped link whose evidence names the page."""
    base = {"crawl_id": doc["crawl_id"], "time": doc["fetch_time"], "host": doc["host"],
            "registered_domain": doc["registered_domain"]}
    return [
        base | {"event": "request", "url": doc["requested_url"], "status": 200},
        base | {"event": "stored", "url": doc["url"], "digest": doc["digest"]},
        {**base, "host": "d.example", "registered_domain": "d.example", "event": "skip",
         "url": f"http://d.example/{doc['id'][10:-1]}", "reason": "nofollow",
         "detail": f'rel="nofollow" on its link from {doc["url"]}'},
    ]


def make(out: Path, crawls: int, documents: int, body_bytes: int, file_bytes: int,
         row_group_bytes: int = 1 << 20, hosts: list[str] = HOSTS) -> None:
    """`crawls` crawls of `documents` documents each, into out/documents and
    out/audit; bodies of `body_bytes` random (incompressible) bytes."""
    rng = random.Random(16)
    for c in range(crawls):
        crawl = f"crawl{c}"
        docs = writer(out / "documents", DOCUMENTS, crawl, file_bytes, row_group_bytes)
        audit = writer(out / "audit", AUDIT, crawl, file_bytes, row_group_bytes)
        for i in range(documents):
            doc = document(crawl, i, rng.randbytes(body_bytes), hosts)
            for row in audit_rows(doc):
                audit.write(row)
            docs.write(doc)
        docs.close()
        audit.close()
