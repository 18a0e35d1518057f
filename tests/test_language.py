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
