# The `scrapy startproject` template's settings (Scrapy 2.19), unchanged, plus
# the pipeline: the stock Scrapy crawl the benchmark compares against.
BOT_NAME = "stock"
SPIDER_MODULES = ["stock.spiders"]
NEWSPIDER_MODULE = "stock.spiders"
ADDONS = {}
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1
FEED_EXPORT_ENCODING = "utf-8"
ITEM_PIPELINES = {"stock.pipelines.ParquetPipeline": 300}
