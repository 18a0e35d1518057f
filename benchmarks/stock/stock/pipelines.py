"""A plain pyarrow Parquet writer, as a Scrapy user would write one."""

import os

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([("url", pa.string()), ("status", pa.int16()), ("title", pa.string()), ("body", pa.binary())])


class ParquetPipeline:
    def open_spider(self):
        self.rows = []
        self.path = os.environ.get("STOCK_PARQUET", "stock.parquet")
        self.writer = pq.ParquetWriter(self.path, SCHEMA, compression="zstd")

    def process_item(self, item):
        self.rows.append(item)
        if len(self.rows) >= 1000:
            self.flush()
        return item

    def flush(self):
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=SCHEMA))
            self.rows = []

    def close_spider(self):
        self.flush()
        self.writer.close()
