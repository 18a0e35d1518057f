"""The shards as downstream pipelines take them: an adapter and a schema for
datatrove, so that `ParquetReader -> JsonlWriter` or `-> ParquetWriter`
works on the documents folder as it is.

datatrove's default reader adapter puts every column but `text` and `id`
into the document's metadata, `body` bytes included, which JSON cannot hold;
and its ParquetWriter infers a schema from the first document, whose null
columns have no type, so a later document with a value fails. The adapter
leaves the body out (`digest` still names the bytes received); the schema
gives every metadata column its shard type.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from crawler.shards import DOCUMENT_SCHEMA

_OWN = ("text", "id", "body")


def datatrove_adapter(reader: Any, data: dict[str, Any], path: str, id_in_file: int | str) -> dict[str, Any]:
    """A datatrove reader adapter (`ParquetReader(folder, adapter=datatrove_adapter)`):
    text and id as datatrove expects them, the other columns but `body` as
    metadata, and the shard the row came from."""
    metadata = {key: value for key, value in data.items() if key not in _OWN}
    metadata["source_file"] = path
    return {"text": data.get("text") or "", "id": data.get("id") or f"{path}/{id_in_file}",
            "media": [], "metadata": metadata}


def datatrove_schema() -> pa.Schema:
    """The schema for datatrove's ParquetWriter (`ParquetWriter(out, schema=datatrove_schema())`)
    of documents read with `datatrove_adapter`."""
    metadata = [field for field in DOCUMENT_SCHEMA if field.name not in _OWN]
    metadata.append(pa.field("source_file", pa.string()))
    return pa.schema([
        pa.field("text", pa.string()),
        pa.field("id", pa.string()),
        pa.field("metadata", pa.struct([field.with_nullable(True) for field in metadata])),
    ])
