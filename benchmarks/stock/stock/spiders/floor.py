"""The floor: a spider that fetches each page, follows its links and does
nothing else (no parsing beyond one regular expression, no item). Its CPU
per page is what Scrapy's engine, scheduler and HTTP/1.1 client cost before
any crawler does any work. It runs with this crawler's engine settings (its
`custom_settings`), so `benchmarks.run light` can report the lowest CPU per
page any crawler built on Scrapy's engine and HTTP/1.1 client reaches here.
Needs the repository root on PYTHONPATH, for the crawler's proxy middleware."""

import re
from urllib.parse import urljoin

import scrapy
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

HREF = re.compile(rb'<a href="([^"]+)"')  # links, as LinkExtractor follows: not stylesheets


class PooledHandler(HTTP11DownloadHandler):
    """Scrapy's handler keeping up to CONCURRENT_REQUESTS idle connections
    to the benchmark's proxy, as `crawler.handlers.PoliteHTTPHandler` does."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool.maxPersistentPerHost = crawler.settings.getint("CONCURRENT_REQUESTS")


class FloorSpider(scrapy.Spider):
    name = "floor"
    # settings.py's engine settings; robots.txt is this crawler's own
    # middleware's job, and the floor has none.
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": 256,
        "CONCURRENT_ITEMS": 1,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "REFERRER_POLICY": "no-referrer",
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None},
        "DOWNLOAD_HANDLERS": {"http": "stock.spiders.floor.PooledHandler"},
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
            "crawler.middlewares.proxy.ProxyMiddleware": 750,
        },
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
    }

    def __init__(self, seeds="", **kwargs):
        super().__init__(**kwargs)
        with open(seeds) as lines:
            self.start_urls = [line.strip() for line in lines if line.strip()]

    def parse(self, response):
        for href in HREF.findall(response.body):
            yield scrapy.Request(urljoin(response.url, href.decode()), callback=self.parse)
