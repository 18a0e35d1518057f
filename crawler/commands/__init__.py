"""Project commands: `crawl` (Scrapy's, with clean configuration errors), `demo`."""
