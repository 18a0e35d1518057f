"""Row values made safe for Arrow, and shard writers fed hostile rows."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.shards import (
    AUDIT_SCHEMA,
    DOCUMENT_SCHEMA,
    ShardWriter,
    audit_row_bytes,
    document_row_bytes,
)
from crawler.values import RowRejected, clean_text, row_preparer
from tests.test_shards import row as document_row


@pytest.mark.parametrize("text, expected", [
    ("plain ascii", "plain ascii"),
    ("Grüße, 日本語", "Grüße, 日本語"),
    ("abc \ud800 def", "abc \ufffd def"),
    ("\udfff", "\ufffd"),
    ("x\ufffey\uffff", "x\ufffdy\ufffd"),
    ("\ufdd0\ufdef", "\ufffd\ufffd"),
    ("\U0001fffe \U0010ffff", "\ufffd \ufffd"),
    ("\ufdcf\ufdf0 \uffbe \U0001f600", "\ufdcf\ufdf0 \uffbe \U0001f600"),  # neighbours are kept
    ("nul \x00 stays", "nul \x00 stays"),
])
def test_clean_text_replaces_surrogates_and_noncharacters_only(text, expected):
    assert clean_text(text) == expected
    clean_text(text).encode("utf-8")


def test_a_valid_row_is_kept_with_its_values():
    row = document_row(1)
    assert row_preparer(DOCUMENT_SCHEMA)(row) == row


@pytest.mark.parametrize("column, value, message", [
    ("status", 99999, "column status: 99999 is outside -32768..32767"),
    ("status", "200", "column status: str where a whole number is expected"),
    ("url", None, "column url: a value is required"),
    ("body", "text", "column body: str where bytes are expected"),
    ("depth", 2**31, "column depth: 2147483648 is outside"),
    ("tdm_reservation", 128, "column tdm_reservation: 128 is outside -128..127"),
    ("headers", [{"name": "A", "value": 5}], "column headers: int where text is expected"),
    ("robots_directives", "noindex", "column robots_directives: str where a list is expected"),
])
def test_a_row_that_does_not_fit_is_rejected_naming_the_column(column, value, message):
    with pytest.raises(RowRejected, match=message):
        row_preparer(DOCUMENT_SCHEMA)(document_row(1) | {column: value})


def test_text_in_nested_values_is_cleaned():
    row = document_row(1) | {"headers": [{"name": "X-\ud800", "value": "a\udcff"}], "text": "t\ud800"}
    prepared = row_preparer(DOCUMENT_SCHEMA)(row)
    assert prepared["headers"] == [{"name": "X-\ufffd", "value": "a\ufffd"}]
    assert prepared["text"] == "t\ufffd"


EDGES = st.sampled_from([0, -1, 1, 99, 100, 599, 600, 32767, 32768, -32768, -32769, 2**31, 2**63, -(2**63) - 1,
                         99999, None])
HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30),
    st.sampled_from(["\ud800", "\x00", "\ufffe", "x" * 200_000, "", "\x1b[31m"]),
    st.none(),
)
HEADER_VALUES = st.binary(max_size=20).map(lambda b: b.decode("latin-1"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({
    "status": EDGES, "depth": EDGES, "tdm_reservation": EDGES, "text": HOSTILE_TEXT, "url": HOSTILE_TEXT,
    "header": HEADER_VALUES, "charset": HOSTILE_TEXT,
}), min_size=1, max_size=12))
def test_hostile_document_rows_are_written_or_rejected_alone(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("shards")
    writer = ShardWriter(folder, "c", DOCUMENT_SCHEMA, schema_version="1", row_bytes=document_row_bytes,
                         row_group_bytes=20_000, file_bytes=50_000)
    written = []
    for i, values in enumerate(rows):
        row = document_row(i, body_size=100) | {
            k: v for k, v in values.items() if k != "header"
        } | {"headers": [{"name": "X", "value": values["header"]}], "id": f"row-{i}"}
        try:
            writer.write(row)
        except RowRejected:
            continue
        written.append(f"row-{i}")
    writer.close()
    read = [r for s in writer.shards for r in pq.read_table(folder / s.file, columns=["id"]).column("id").to_pylist()]
    assert read == written


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({
    "status": EDGES, "bytes": EDGES, "detail": HOSTILE_TEXT, "url": HOSTILE_TEXT, "host": HOSTILE_TEXT,
}), min_size=1, max_size=12))
def test_hostile_audit_rows_are_written_or_rejected_alone(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("audit")
    writer = ShardWriter(folder, "c", AUDIT_SCHEMA, schema_version="1", row_bytes=audit_row_bytes,
                         row_group_bytes=2_000, file_bytes=10_000)
    written = 0
    for i, values in enumerate(rows):
        row = {"crawl_id": "c", "time": i, "event": "request", "registered_domain": "e.com", **values}
        try:
            writer.write(row)
        except RowRejected:
            continue
        written += 1
    writer.close()
    assert sum(pq.read_metadata(folder / s.file).num_rows for s in writer.shards) == written
