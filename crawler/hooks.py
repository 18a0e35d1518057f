"""Custom Scrapy signals that the project's components send each other."""

#: A request was answered or failed, sent by the download handler with
#: `request`, `response` (or None), `error` (or None), `sent_at` (epoch
#: seconds) and `gap` (seconds since the previous request start on the same
#: slot, or None for the first).
request_sent = object()

#: A fetch of one of an origin's policy files (robots.txt, tdmrep.json) has
#: settled, sent by the robots layer with `origin`.
robots_resolved = object()
