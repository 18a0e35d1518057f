"""The Encoding Standard's name for the codec a response was decoded with."""

import pytest

from crawler.encodings import web_encoding


@pytest.mark.parametrize("codec, name", [
    ("utf-8", "utf-8"), ("utf8", "utf-8"), ("cp1252", "windows-1252"), ("latin-1", "windows-1252"),
    ("ascii", "windows-1252"), ("cp932", "shift_jis"), ("shift_jis", "shift_jis"), ("euc_jp", "euc-jp"),
    ("cp949", "euc-kr"), ("gb18030", "gb18030"), ("gbk", "gbk"), ("big5hkscs", "big5"), ("koi8-r", "koi8-r"),
    ("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be"), ("iso8859-2", "iso-8859-2"), ("cp1251", "windows-1251"),
])
def test_web_codecs_get_their_standard_name(codec, name):
    assert web_encoding(codec) == name


@pytest.mark.parametrize("codec", ["unicode_escape", "raw_unicode_escape", "rot13", "utf-7", "utf-32", "punycode",
                                   "idna", "iso2022_kr", "hz", "nonsense", "", None])
def test_other_codecs_are_not_web_encodings(codec):
    assert web_encoding(codec) is None
