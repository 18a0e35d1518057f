"""Follows links within the seeds' domains and stores each page: what a
Scrapy user writes for this job with the stock tools."""

from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor


class FollowSpider(scrapy.Spider):
    name = "follow"

    def __init__(self, seeds="", **kwargs):
        super().__init__(**kwargs)
        with open(seeds) as lines:
            self.start_urls = [line.strip() for line in lines if line.strip()]
        self.allowed_domains = sorted({".".join(urlsplit(u).hostname.split(".")[-2:]) for u in self.start_urls})
        self.links = LinkExtractor(allow_domains=self.allowed_domains)

    def parse(self, response):
        yield {
            "url": response.url,
            "status": response.status,
            "title": response.css("title::text").get(),
            "body": response.body,
        }
        for link in self.links.extract_links(response):
            yield response.follow(link, callback=self.parse)
