"""Custom Scrapy signals that the project's components send each other."""

#: A request was answered or failed, sent by the download handler with
#: `request`, `response` (or None), `error` (or None), `sent_at` (epoch
#: seconds) and `gap` (seconds since the previous request start on the same
#: slot, or None for the first).
request_sent = object()

#: A fetch of one of an origin's policy files (robots.txt, tdmrep.json) has
#: settled, sent by the robots layer with `origin`.
robots_resolved = object()

#: The spider is through with a request that stores no document (skipped,
#: not kept, failed), sent with `request`.
page_settled = object()

#: A document is about to be written to an open shard, sent with
#: `fingerprint`, the frontier key of the URL it was fetched from: before the
#: write, which may publish the shard.
page_stored = object()

#: A document shard is about to be published: whatever its rows depend on
#: (the frontier's discovered links, the audit rows) must be durable first.
shard_publishing = object()

#: A document shard was published, sent with `fingerprints`, the frontier
#: keys of the URLs whose documents it holds.
shard_published = object()
