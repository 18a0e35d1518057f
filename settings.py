"""Settings of the polite crawler: every default, in one place.

README.md, "Settings", documents each one; tests/test_docs.py checks that the
two agree. Scrapy's own names are used where Scrapy has one.
"""

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Identity ---------------------------------------------------------------
ROBOTSTXT_USER_AGENT = "PoliteCrawler"
USER_AGENT = "PoliteCrawler/0.1 (+https://example.org/polite-crawler; crawler@example.org)"

# --- Politeness (Scrapy's names) --------------------------------------------
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.0
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_REQUESTS_PER_IP = 0
CONCURRENT_REQUESTS = 256
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
ROBOTSTXT_OBEY = False
AUTOTHROTTLE_ENABLED = False

# --- robots.txt (RFC 9309) --------------------------------------------------
ROBOTS_CACHE_SECONDS = 86400.0
ROBOTS_MAX_CRAWL_DELAY = 30.0
ROBOTS_RETRY_DELAY = 60.0
ROBOTS_RETRY_MAX_DELAY = 3600.0
ROBOTS_RETRY_TIMES = 3

# --- Back-off after walls, rate limits and errors ---------------------------
BACKOFF_CHALLENGE_PAUSE = 600.0
BACKOFF_GIVE_UP_AFTER = 3
BACKOFF_RATELIMIT_PAUSE = 30.0
BACKOFF_MAX_PAUSE = 21600.0
BACKOFF_RETRY_TIMES = 3
BACKOFF_MAX_SLOWDOWN = 8.0

# --- Opt-out signals and sitemaps -------------------------------------------
SIGNALS_FOLLOW_REL_NOFOLLOW = False
SITEMAPS_ENABLED = True
SITEMAPS_MAX_BYTES = 50 * 1024 * 1024
SITEMAPS_MAX_URLS = 50000
SITEMAPS_MAX_DEPTH = 3

# --- Crawl ------------------------------------------------------------------
CRAWL_PURPOSE = "ai-training"
CRAWL_ID = None
CRAWL_MAX_PAGES = 0

# --- Many workers, one crawl (Redis) --------------------------------------------
FRONTIER_REDIS_URL = None
WORKER_ID = None
FRONTIER_WORKER_TIMEOUT = 30.0

# --- Limits and the network guard ---------------------------------------------
DEPTH_LIMIT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2  # connection errors and 5xx; a timeout is never retried (crawler.backoff.retried)
URLLENGTH_LIMIT = 2083
LIMITS_CONTENT_TYPES = ["text/html", "application/xhtml+xml", "text/plain"]
LIMITS_LINKS_PER_PAGE = 1000
LIMITS_HTML_TAGS = 250000
LIMITS_PAGES_PER_HOST = 100000
LIMITS_PATH_SEGMENTS = 30
LIMITS_REPEATED_SEGMENTS = 3
LIMITS_QUERY_VARIANTS = 100
NETGUARD_ALLOWED_NETWORKS = []
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"
SCHEDULER = "crawler.scheduler.PoliteScheduler"
CONCURRENT_ITEMS = 1
HTTPERROR_ALLOW_ALL = True
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- Parquet shards ---------------------------------------------------------
PARQUET_DIR = "output/documents"
PARQUET_ROW_GROUP_BYTES = 32 * 1024 * 1024
PARQUET_FILE_BYTES = 256 * 1024 * 1024
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
PARQUET_FILE_SECONDS = 600.0

# --- Audit trail and progress -------------------------------------------------
AUDIT_DIR = "output/audit"
AUDIT_ROW_GROUP_BYTES = 4 * 1024 * 1024
AUDIT_FILE_BYTES = 64 * 1024 * 1024
AUDIT_FILE_SECONDS = 300.0
PROGRESS_INTERVAL = 60.0
PROGRESS_HOSTS = 20

# --- Privacy: erasure, access and retention -----------------------------------
PRIVACY_DENYLIST = None
PRIVACY_KEY_FILE = None
PRIVACY_ERASURES_DIR = None
PRIVACY_RETENTION_DAYS = 0

# --- Text extraction --------------------------------------------------------
TEXT_EXTRACTOR = "crawler.text.main_text"

# --- Privacy ------------------------------------------------------------------
PRIVACY_REDACT = True
PRIVACY_PATTERNS = {}
PRIVACY_KEEP_BODY = None
REFERRER_POLICY = "no-referrer"

# --- Components -------------------------------------------------------------
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformatter.DocumentLogFormatter"
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.extensions.logsafe.SafeLogs": 0,
    "crawler.extensions.audit.Audit": 50,
    "crawler.extensions.politeness.Politeness": 100,
    "crawler.extensions.progress.Progress": 200,
}
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.PoliteHTTPHandler",
    "https": "crawler.handlers.PoliteHTTPHandler",
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.PoliteRetryMiddleware": 550,
    "crawler.middlewares.netguard.NetguardMiddleware": 50,
    "crawler.middlewares.robots.RobotsMiddleware": 100,
    "crawler.middlewares.walls.WallsMiddleware": 585,
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "crawler.middlewares.proxy.ProxyMiddleware": 750,
}
SPIDER_MIDDLEWARES = {
    # The spider checks URL length and depth itself, before a Request is built,
    # and never copies response.meta, which MetaCopyDetection watches for.
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.shards.ParquetPipeline": 800,
}
