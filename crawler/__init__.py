"""A polite web crawler built on Scrapy."""

__version__ = "0.2.0"
