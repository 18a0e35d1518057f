"""The Public Suffix List, from the snapshot bundled with tldextract: never
fetched at run time (no machine is assumed to have internet). Private
suffixes count, so alice.github.io and bob.github.io are different sites.

One extractor for the process: the URL layer asks it for registered domains,
the e-mail detector for top-level domains, and each reading of the list
costs 25-55 ms of start-up.
"""

import tldextract

EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
