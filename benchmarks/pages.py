"""Realistic HTML pages for benchmarks: navigation, an article of paragraphs
with links, a footer; about `size` bytes, deterministic for a given index."""

from __future__ import annotations

import random

_WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from at which "
    "but have an they you were her she there been one all we their has would when if so no will "
    "more about what up can out them into said harbour market crawler polite robots archive"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def article(index: int, size: int = 24_000, links: list[str] | None = None, *, chrome: bool = True) -> bytes:
    """`chrome`: a navigation bar of 12 links and a footer link around the
    article, and a link in every paragraph (cycling through `links`);
    without it, the page's only links are `links`, once each."""
    rng = random.Random(index)
    nav = "".join(f'<li><a href="/section/{k}">Section {k}</a></li>' for k in range(12)) if chrome else ""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Article {index}</title><meta name=\"viewport\" content=\"width=device-width\">"
        '<link rel="stylesheet" href="/static/site.css"><script>window.dataLayer=[];</script>'
        f"</head><body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>Article {index}</h1>"
    ]
    targets = list(links) if links is not None else [f"/page/{index * 7 + k}" for k in range(40)]
    length = sum(map(len, parts))
    k = 0
    while length < size - 600:
        linked = targets and (chrome or k < len(targets))
        link = f' <a href="{targets[k % len(targets)]}">more</a> ' if linked else " "
        paragraph = f"<p>{_sentence(rng, 40)}{link}{_sentence(rng, 25)}</p>"
        parts.append(paragraph)
        length += len(paragraph)
        k += 1
    about = ' <a href="/about">About</a>' if chrome else ""
    parts.append(f'</article></main><footer><p>Example site.{about}</p></footer></body></html>')
    return "".join(parts).encode()
