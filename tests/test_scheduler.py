import pytest
import scrapy

from crawler.scheduler import pack_request, unpack_request


class Spider(scrapy.Spider):
    name = "t"

    def parse_page(self, response):
        pass

    def failed(self, failure):
        pass


def test_a_request_survives_the_frontier_row():
    spider = Spider()
    request = scrapy.Request(
        "http://a.example.com/p?q=1", callback=spider.parse_page, errback=spider.failed,
        meta={"depth": 3, "download_slot": "a.example.com"}, headers={"Accept": "text/html"},
        dont_filter=True, priority=-2,
    )
    back = unpack_request(pack_request(request), spider)
    assert (back.url, back.callback, back.errback) == (request.url, spider.parse_page, spider.failed)
    assert back.meta == {"depth": 3}  # the download slot is the downloader's, not the request's
    assert back.headers.getlist("Accept") == [b"text/html"]
    assert (back.dont_filter, back.priority, back.method) == (True, -2, "GET")


def test_a_request_without_callbacks_survives_too():
    back = unpack_request(pack_request(scrapy.Request("http://a.example.com/")), Spider())
    assert back.callback is None and back.errback is None


@pytest.mark.parametrize(
    "request_",
    [
        scrapy.Request("http://a.example.com/", method="POST"),
        scrapy.Request("http://a.example.com/", body=b"x"),
        scrapy.Request("http://a.example.com/", cb_kwargs={"k": 1}),
    ],
)
def test_requests_the_row_cannot_hold_are_refused(request_):
    with pytest.raises(ValueError, match="plain GET requests only"):
        pack_request(request_)
