"""Personal data: what the crawl keeps of it, and how it keeps less. Pure.

The crawler does not set out to collect personal data, and what it keeps is
only what the crawl's purpose needs. These functions decide, over plain data:

- `find_personal_data`: where a text names a person directly (e-mail
  addresses, phone numbers, IP addresses, payment card numbers, IBANs, US
  social security numbers), so that `redact` can replace each with a typed
  placeholder that keeps no part of the original;
- `without_identifiers`: a URL without the session identifiers, per-visitor
  tokens, e-mail addresses and tracking parameters it carries;
- `stored_headers`: which response header values describe the document
  (kept) and which describe the visit (emptied);
- `keep_body` and `privacy_warnings`: whether a document's exact bytes are
  kept, and which settings make the crawl less private.

Every candidate is checked before it is replaced: a top-level domain from
the Public Suffix List for e-mail, `phonenumbers`' metadata for phone
numbers, public unicast addresses only for IPs, Luhn and the issuers'
number ranges for cards, the IBAN checksum and country format, the issuing
rules for SSNs. So the look-alikes a page is full of (dates, times,
versions, prices, ISBNs, order numbers, coordinates) stay as they are.

Speed: the text of every stored page passes through here (about 12 ns per
character is the budget), so each type is gated by a cheap test, e-mail is
anchored on `@`, and the digit-based types share one pass: the text is
encoded one byte per character (offsets unchanged), every digit becomes
`0`, and one regular expression led by that literal finds the clusters of
digits worth a closer look.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import NamedTuple
from urllib.parse import unquote

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn, numdb
from stdnum.us import ssn as stdnum_ssn

from crawler.suffixes import EXTRACT

EMAIL, PHONE, IP, CARD, IBAN, SSN = "email", "phone", "ip", "card", "iban", "ssn"
#: The built-in types, each replaced by `<TYPE>` (`<EMAIL>`, `<PHONE>`, ...).
KINDS = (EMAIL, PHONE, IP, CARD, IBAN, SSN)
PURPOSE_WITH_BODY = "archive"  # the purpose that needs the exact bytes received


class Finding(NamedTuple):
    """Personal data at `text[start:end]`, of a built-in type or an operator pattern."""

    start: int
    end: int
    kind: str


def placeholder(kind: str) -> str:
    """What replaces a finding: its type in capitals, nothing of the value."""
    return f"<{kind.upper()}>"


# --- E-mail -------------------------------------------------------------------

@cache
def _tlds() -> frozenset[str]:
    """Top-level domains of the Public Suffix List (`crawler.suffixes`, the
    URL layer's list), in Unicode and in punycode: the last label of every
    suffix, private ones included (all sit under a public TLD). Built when
    the first address candidate is met: reading the list costs ~30 ms, which
    importing this module (every command does) should not."""
    return frozenset(
        form
        for suffix in EXTRACT.tlds
        for tld in [suffix.rsplit(".", 1)[-1]]
        for form in (tld, tld.encode("idna").decode("ascii"))
    )


# The local part, read backwards from the `@`: ASCII and Latin letters with
# diacritics (`josé@`); not `/`, `:` or `=`, which end it in URLs and prose.
_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9._%+'\-\u00c0-\u024f]{1,64}")
# Labels of any script (internationalised domains), separated by single dots.
_DOMAIN = re.compile(r"[^\W_][\w\-]{0,62}(?:\.[^\W_][\w\-]{0,62}){1,8}")
_RETINA = re.compile(r"\d{1,2}x\Z")  # icon@2x.png, clip@3x.mov: file names, not addresses
_ASCII_HEAD = re.compile(r"[A-Za-z]{2,24}")
_MAILTO_QUERY = re.compile(r"\?[^\s<>\"']*")
# Obfuscated forms: jane [at] example [dot] com, jane(at)example.com.
_SPELLED = re.compile(
    r"(?<![\w.])([A-Za-z0-9][\w.+\-]*(?:\s?[\[({](?:dot|DOT)[\])}]\s?[\w+\-]+)*)"
    r"\s?[\[({]\s?(?:at|AT|@)\s?[\])}]\s?"
    r"([^\W_][\w\-]*(?:(?:\s?[\[({](?:dot|DOT)[\])}]\s?|\.)[^\W_][\w\-]*)+)"
)
_SPELLED_DOT = re.compile(r"\s?[\[({](?:dot|DOT)[\])}]\s?")


def _top_level(labels: list[str]) -> int:
    """How many of a domain's labels make an address, the last one a
    top-level domain (0: none does): a sentence may go on after a dot."""
    for count in range(len(labels), 1, -1):
        if labels[count - 1].lower() in _tlds():
            return count
    return 0


def _domain_end(text: str, start: int) -> int:
    """Where the domain of an e-mail address beginning at `start` ends (or
    -1). A top-level domain glued to text in another script
    (`example.com获取`) ends where the script changes."""
    match = _DOMAIN.match(text, start)
    if match is None:
        return -1
    labels = match.group().split(".")
    if _RETINA.match(labels[0]) and len(labels) == 2:
        return -1
    count = _top_level(labels)
    if count:
        return start + len(".".join(labels[:count]))
    last = labels[-1]
    head = _ASCII_HEAD.match(last)
    if head and not last.isascii() and last[head.end()].isalpha() and head.group().lower() in _tlds():
        return start + len(".".join(labels[:-1])) + 1 + head.end()
    return -1


def _spelled_gate(text: str) -> bool:
    """Whether `text` may hold an obfuscated address: `at` or `@` in
    brackets. A scan for each closing bracket (memchr) costs far less than
    a search for a word."""
    for bracket in ")]}":
        position = text.find(bracket)
        while position >= 0:
            if text[position - 2 : position] in ("at", "AT") or text[position - 1 : position] == "@" \
                    or text[position - 3 : position] in (" at", " AT", "at ", "AT "):
                return True
            position = text.find(bracket, position + 1)
    return False


def _emails(text: str) -> list[Finding]:
    """E-mail addresses, anchored on each `@`; a `mailto:` link is taken
    whole, query included (its subject line is the sender's too)."""
    found: list[Finding] = []
    at = text.find("@")
    while at >= 0:
        next_from = at + 1
        local = _LOCAL_REVERSED.match(text[max(0, at - 64) : at][::-1])
        if local is not None:
            start = at - local.end()
            while start < at and not text[start].isalnum():
                start += 1
            end = _domain_end(text, at + 1)
            if start < at and text[at - 1] != "." and end > 0:
                if text[max(0, start - 7) : start].lower() == "mailto:":
                    start -= 7
                    query = _MAILTO_QUERY.match(text, end)
                    end = query.end() if query else end
                found.append(Finding(start, end, EMAIL))
                next_from = end
        at = text.find("@", next_from)
    if _spelled_gate(text):
        for match in _SPELLED.finditer(text):
            labels = _SPELLED_DOT.sub(".", match.group(2)).split(".")
            if _top_level(labels) == len(labels):
                found.append(Finding(match.start(), match.end(), EMAIL))
    return found


# --- The digit-based types -------------------------------------------------------

_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_NON_DIGIT = re.compile(r"\D")
# Spaces and dashes of typography inside numbers, read as plain ones (same length).
_ODD_SEPARATORS = {"\u2007": " ", "\u2009": " ", "\u202f": " ", "\u2010": "-", "\u2011": "-", "\u2012": "-",
                   "\u2013": "-"}
# Five digits or more, in groups joined by at most three of ` .-/()` (and no-break space).
_CLUSTER = re.compile(rb"0(?:[ \xa0.\-/()]{0,3}0){4,}")
# Around a finding: no letter, digit or `_`, nor a `.` or `-` that continues it.
_BEFORE = rb"(?<![\w.\-])"
_AFTER = rb"(?![\w]|[.\-]\w)"
# Shapes, over the buffer where every digit is `0`: cards bare (13-19 digits),
# in four-digit groups (16, 19) or as American Express and Diners print them.
# A grouped card is no part of a longer run of such groups (a tracking number).
_CARD = re.compile(
    _BEFORE + rb"(?:0{13,19}|(?<!0[ \-\xa0])0000(?P<s>[ \-\xa0])0000(?P=s)0000(?P=s)0000(?:(?P=s)000)?"
    rb"(?!(?P=s)0000)|0000(?P<t>[ \-\xa0])000000(?P=t)00000?)" + _AFTER
)
# Issuer number ranges (first digits, inclusive) and the lengths they issue:
# Luhn alone passes one random number in ten.
_CARD_RANGES: tuple[tuple[int, int, range], ...] = (
    (4, 4, range(16, 20, 3)),  # Visa (16, 19; 13-digit Visa is no longer issued)
    (51, 55, range(16, 17)), (2221, 2720, range(16, 17)),  # Mastercard
    (34, 34, range(15, 16)), (37, 37, range(15, 16)),  # American Express
    (6011, 6011, range(16, 20)), (644, 649, range(16, 20)), (65, 65, range(16, 20)),  # Discover
    (3528, 3589, range(16, 20)),  # JCB
    (36, 36, range(14, 20)), (300, 305, range(14, 20)), (38, 39, range(14, 20)),  # Diners Club
    (62, 62, range(16, 20)),  # UnionPay
    (2200, 2204, range(16, 20)),  # Mir
    (5018, 5018, range(13, 20)), (5020, 5020, range(13, 20)), (5038, 5038, range(13, 20)),
    (5893, 5893, range(13, 20)), (6304, 6304, range(13, 20)), (6759, 6759, range(13, 20)),
    (6761, 6763, range(13, 20)),  # Maestro
    (60, 60, range(16, 17)), (508, 508, range(16, 17)), (81, 82, range(16, 17)),  # RuPay
)


_SSN = re.compile(_BEFORE + rb"000-00-0000" + _AFTER)
_SSN_CUED = re.compile(_BEFORE + rb"000(?P<s>[ \xa0\-]?)00(?P=s)0000" + _AFTER)
_SSN_CUE = re.compile(r"(?i)(?<![a-z])(?:ssn|ss#|social security(?: number| no\.?)?|soc\. ?sec\.?)\W{0,3}\Z")

_IPV4 = re.compile(_BEFORE + rb"0{1,3}\.0{1,3}\.0{1,3}\.0{1,3}" + _AFTER)
# Dotted numbers that are versions or section numbers, by the word before them.
_NOT_AN_ADDRESS = re.compile(
    r"(?i)(?<![a-z])(?:version|versión|versione|versão|versie|wersja|verze|версия|ver|v|build|firmware|release|"
    r"rel|section|sect|sec|chapter|ch|fig|figure|table|step|clause|art|para|paragraph|item|rule)\.?\s*\Z"
    r"|(?:バージョン|版本|§)\s*\Z"
)

_IBAN_HEAD = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}")
_IBAN_REACH = 24  # the country code may stand two groups of letters and digits before a run of digits
_IBAN_LENGTHS = {
    country: 4 + sum(int(n) for n in re.findall(r"(\d+)!", info["bban"]))
    for _, country, _, info, _ in numdb.get("iban").prefixes
    if "bban" in info
}

# North American numbers are recognisable by their grouping alone.
_NANP = re.compile(rb"(?:0[ .\-])?(?:\(000\)[ \xa0]?|000[ .\-\xa0])000[.\-]0000" + _AFTER)
# Dates written year first or day first (not 3-2-4: an SSN).
_DATE = re.compile(rb"0000(?P<s>[./\-])00?(?P=s)00?|00?(?P<t>[./\-])00?(?P=t)(?:00){1,2}")
# Three groups with one separator twice, as dates are written: never a phone number.
_DATE_LIKE = re.compile(rb"0{1,4}(?P<s>[./\-])00?(?P=s)0{1,4}")
# Words that announce a phone number, in the languages of the web's largest
# shares; a single letter counts before `:` or `.` (`T: ...`, `M. ...`).
PHONE_CUES = frozenset((
    "tel", "tél", "telf", "tfn", "tlf", "phone", "telephone", "téléphone", "telefon", "telefono", "teléfono",
    "telefone", "telefoon", "telemóvel", "fon", "fax", "mobile", "mobil", "mob", "cell", "call", "handy",
    "hotline", "whatsapp", "sms", "portable", "móvil", "movil", "cellulare", "puhelin", "ring", "тел",
    "телефон", "факс", "моб", "電話", "电话", "☎", "📞", "✆",
))
_CUE_STEMS = ("telef", "teléf", "teleph", "téléph", "телеф", "phone", "mobil")  # telefonisch, phoned, ...
_CUE_LETTERS = frozenset("tmfp")
_WORD = re.compile(r"\w+|[☎📞✆]")
_CJK_CUES = ("電話", "电话")
_CURRENCY = frozenset("$€£¥₹₽¢#№")  # before a price or an order number, not a phone number
_CONTINUES = re.compile(r"[.,]\d|\s?[%‰]")  # a decimal or a percentage goes on where a number would end
_LIST_SEPARATOR = re.compile(r"[ \xa0][/\-][ \xa0]")
_CUE_REACH = 32  # characters before a number where its cue may stand
_CHAIN_GAP = 8  # a number this close after another one shares its cue (`030 901820 / 030 901821`)
_GENERIC_CCTLDS = frozenset("ai app cc co fm gg io ly me sh to tv ws".split())
# The regions whose national formats a page of a language most likely uses.
_LANGUAGE_REGIONS = {
    "en": ("US", "GB"), "de": ("DE", "AT", "CH"), "fr": ("FR", "BE", "CH"), "es": ("ES", "MX"),
    "it": ("IT",), "nl": ("NL", "BE"), "pt": ("BR", "PT"), "pl": ("PL",), "sv": ("SE",),
    "da": ("DK",), "nb": ("NO",), "no": ("NO",), "fi": ("FI",), "cs": ("CZ",), "ru": ("RU",),
    "uk": ("UA",), "tr": ("TR",), "ja": ("JP",), "ko": ("KR",), "zh": ("CN",), "hi": ("IN",),
}


def phone_regions(host: str, language: str | None) -> tuple[str, ...]:
    """The regions whose national phone formats a page may use: its host's
    country-code top-level domain (not those sold for generic use, `.io`,
    `.co`, ...), then its language's usual regions. Numbers written in
    international form (`+44 ...`) need no region."""
    regions: list[str] = []
    tld = host.rsplit(".", 1)[-1].lower()
    region = "GB" if tld == "uk" else tld.upper()
    if tld not in _GENERIC_CCTLDS and region in phonenumbers.SUPPORTED_REGIONS:
        regions.append(region)
    for region in _LANGUAGE_REGIONS.get(language or "", ()):
        if region not in regions:
            regions.append(region)
    return tuple(regions)


_INTERNATIONAL = (None,)  # `+` numbers need no region


@cache
def _national_rules(region: str) -> tuple[str, bool, frozenset[int]]:
    """A region's trunk prefix (`0` in most of Europe, none in North
    America); whether its national format always writes it (Brazil's
    `(11) 2345-6789` and China's mobiles do not); and the lengths of its
    national significant numbers."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix or ""
    examples = [phonenumbers.example_number_for_type(region, kind)
                for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)]
    national = [phonenumbers.format_number(e, phonenumbers.PhoneNumberFormat.NATIONAL) for e in examples if e]
    written = bool(prefix) and all(n.lstrip("(").startswith(prefix) for n in national)
    return prefix, written, frozenset(metadata.general_desc.possible_length)


@lru_cache(maxsize=256)
def _national_digits(regions: tuple[str, ...]) -> tuple[int, int]:
    """The fewest and most digits a national number of `regions` is written
    with (at least six: shorter ones are too like other numbers)."""
    rules = [_national_rules(region) for region in regions]
    low = min(min(lengths) + (len(prefix) if written else 0) for prefix, written, lengths in rules)
    return max(6, low), max(max(lengths) + len(prefix) for prefix, _, lengths in rules)


def _national_regions(number: str, regions: Sequence[str]) -> list[str]:
    """The regions where `number` (as written) has a national number's
    shape: their trunk prefix, where their numbers are written with it,
    else digits in groups; and as many digits as their numbers have. A
    cheap filter before cues and metadata: prices and order numbers rarely
    have that shape."""
    digits = _NON_DIGIT.sub("", number)
    grouped = len(digits) < len(number)
    shaped = []
    for region in regions:
        prefix, written, lengths = _national_rules(region)
        if prefix and digits.startswith(prefix) and len(digits) - len(prefix) in lengths \
                or not written and grouped and len(digits) in lengths:
            shaped.append(region)
    return shaped


@lru_cache(maxsize=4096)
def _valid_phone(candidate: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except phonenumbers.NumberParseException:
        return False


_GROUP = re.compile(rb"(?<!0)0")
_GROUP_END = re.compile(rb"0(?!0)")
Valid = Callable[[int, str], bool]


class _Digits:
    """The clusters of digits of one text, and the findings in them."""

    def __init__(self, text: str, regions: Sequence[str]) -> None:
        self.text = text
        self.buf = text.encode("latin-1", "replace").translate(_ZEROS)
        self.regions = regions
        self.found: list[Finding] = []
        self.last_phone_end = -_CHAIN_GAP - 1

    def scan(self) -> list[Finding]:
        """Each cluster is looked at for the types its digits allow, the
        strictest checks first."""
        buf, text = self.buf, self.text
        for cluster in _CLUSTER.finditer(buf):
            start, end = cluster.span()
            if _DATE.fullmatch(buf, start, end):
                continue  # the commonest cluster in prose, and none of the types
            digits = buf.count(b"0", start, end)
            mark = len(self.found)
            if digits >= 13:
                self._shapes(_CARD, start, end, CARD, _card)
            if digits >= 8 or text[start - 2 : start].isupper():
                self._iban(start)
            if digits >= 9:
                if buf.find(b"-", start, end) >= 0:
                    self._shapes(_SSN, start, end, SSN, _ssn)
                if _SSN_CUED.search(buf, start, end + 2) and _SSN_CUE.search(text, max(0, start - 30), start):
                    self._shapes(_SSN_CUED, start, end, SSN, _ssn)
            if buf.find(b".", start, end) >= 0:
                self._shapes(_IPV4, start, end, IP, self._public_ipv4)
            if digits >= 6:
                self._phones(start, end, sorted(self.found[mark:]))
        return self.found

    def _shapes(self, shape: re.Pattern[bytes], start: int, end: int, kind: str, valid: Valid) -> None:
        """Findings of a shape in a cluster that `valid` accepts. After a
        shape that fails, the search goes on from the next group of digits
        inside it (`1234 4111 1111 1111 1111` holds a card)."""
        buf, text = self.buf, self.text
        position = start
        while (match := shape.search(buf, position, end + 2)) is not None:
            first, last = match.span()
            if valid(first, text[first:last]):
                self.found.append(Finding(first, last, kind))
                position = last
            elif (group := _GROUP.search(buf, first + 1, last)) is not None:
                position = group.start()
            else:
                position = last

    def _public_ipv4(self, start: int, candidate: str) -> bool:
        """A public unicast address, not a version or a section number."""
        if len(candidate) == 7:  # 1.2.3.4: a version or section number far more often than an address
            return False
        try:
            address = ipaddress.IPv4Address(candidate)
        except ValueError:  # a part above 255, or a leading zero
            return False
        return (address.is_global and not address.is_multicast
                and not _NOT_AN_ADDRESS.search(self.text, max(0, start - 12), start))

    def _iban(self, start: int) -> None:
        """An IBAN whose country code stands just before, or at, the digits
        at `start`: as many characters as its country's IBANs have, in
        groups separated by single spaces or none, then a checksum and
        format check."""
        text = self.text
        for head in _IBAN_HEAD.finditer(text, max(0, start - _IBAN_REACH), start + 2):
            length = _IBAN_LENGTHS.get(head.group()[:2])
            if length is None:
                continue
            compact: list[str] = []
            position = head.start()
            while len(compact) < length and position < len(text):
                char = text[position]
                if char.isascii() and char.isalnum():
                    compact.append(char)
                elif char not in " \xa0" or text[position - 1] in " \xa0":
                    break
                position += 1
            after = text[position : position + 1]
            if len(compact) == length and not (after.isalnum() or after == "_") \
                    and stdnum_iban.is_valid("".join(compact)):
                self.found.append(Finding(head.start(), position, IBAN))
                return

    def _phones(self, start: int, end: int, taken: list[Finding]) -> None:
        """A phone number starts a cluster (or follows the findings of other
        types at its start), and others may follow it closely (a list); none
        runs into a finding of another type."""
        reached = start
        for finding in taken:
            if finding.start <= reached:
                reached = max(reached, finding.end)
        group = _GROUP.search(self.buf, reached, end)
        while group is not None:
            limit = min((f.start for f in taken if f.start >= group.start()), default=end)
            span = self._phone_at(group.start(), start, limit)
            if span is None:
                return
            self.found.append(Finding(span[0], span[1], PHONE))
            self.last_phone_end = span[1]
            group = _GROUP.search(self.buf, span[1], end)
            if group is not None and group.start() - span[1] > _CHAIN_GAP:
                return

    def _phone_at(self, group: int, start: int, end: int) -> tuple[int, int] | None:
        """A phone number at a group of digits: after a `+` (any country),
        after `00` (international prefix) with grouping, in North American
        grouping, or in a national format of the page's regions when a cue
        word announces it."""
        text, buf = self.text, self.buf
        if text[group - 1 : group] == "+":
            begin = group - 2 if text[group - 2 : group] == "(+" else group - 1
            stop = self._longest(group, end, _INTERNATIONAL, "+")
        elif group == start and text.startswith("00", group) and text[group + 2 : group + 3] != "0" \
                and b"0" * (end - group) != buf[group:end]:
            begin = group
            stop = self._longest(group + 2, end, _INTERNATIONAL, "+")
        else:
            begin = group - 1 if text[group - 1 : group] == "(" else group
            nanp = _NANP.match(buf, begin, end + 2)
            if nanp is not None and _valid_phone(text[begin : nanp.end()], "US"):
                return begin, nanp.end()
            if not self.regions or _DATE_LIKE.fullmatch(buf, group, end) or text[begin - 1 : begin].isalnum() \
                    or text[begin - 1 : begin] in _CURRENCY:
                return None
            stop = self._longest(group, end, self.regions, "", cue_before=begin)
        return (begin, stop) if stop > 0 else None

    def _cue(self, start: int) -> bool:
        """Whether a word that announces a phone number stands shortly
        before `start` with no other number in between, or a phone number
        ended just before, with nothing but punctuation between (a list
        after one cue: `030 901820, 030 901821`)."""
        gap = self.text[self.last_phone_end : start] if start - self.last_phone_end <= _CHAIN_GAP else "x"
        if not any(char.isalnum() for char in gap):
            return True
        window = self.text[max(0, start - _CUE_REACH) : start].lower()
        for word in reversed(list(_WORD.finditer(window))):
            value = word.group()
            if value in PHONE_CUES or value.startswith(_CUE_STEMS) \
                    or value in _CUE_LETTERS and window[word.end() : word.end() + 1] in ":.":
                return True
            if not value.isalpha():
                return False
            if not value.isascii() and any(cue in value for cue in _CJK_CUES):
                return True
        return False

    def _longest(self, first: int, end: int, regions: Sequence[str | None], prefix: str,
                 cue_before: int | None = None) -> int:
        """The end of the longest valid phone number whose digits start at
        `first` and end at the end of a group up to `end`; -1 if none. No
        candidate reads as a date, an IPv4 address or a decimal; a national
        one has the shape of a region's numbers and needs a cue before
        `cue_before`, looked for only then: it costs more."""
        text, buf = self.text, self.buf
        low, high = (6, 18) if prefix else _national_digits(tuple(regions))
        ends = [m.end() for m in _GROUP_END.finditer(buf, first, end)]
        # the ends before a separator that reads as one between two numbers
        # (`030 901820 / 030 901821`) first, then the others; longest first
        for stop in sorted(ends, key=lambda e: (e != end and not _LIST_SEPARATOR.match(text, e), -e)):
            if not low <= buf.count(b"0", first, stop) <= high:
                continue
            number = text[first:stop]
            if _DATE_LIKE.fullmatch(buf, first, stop) or _IPV4.fullmatch(buf, first, stop) \
                    or _CONTINUES.match(text, stop):
                continue
            candidates = regions if prefix else _national_regions(number, regions)
            if not candidates:
                continue
            if cue_before is not None:
                if not self._cue(cue_before):
                    return -1
                cue_before = None
            if any(_valid_phone(prefix + number, region) for region in candidates):
                return stop
        return -1


def _card(start: int, candidate: str) -> bool:
    """Luhn-valid, with the length an issuer gives numbers of its range."""
    digits = _NON_DIGIT.sub("", candidate)
    for low, high, lengths in _CARD_RANGES:
        if low <= int(digits[: len(str(low))]) <= high and len(digits) in lengths:
            return luhn.is_valid(digits)
    return False


def _ssn(start: int, candidate: str) -> bool:
    return stdnum_ssn.is_valid(_NON_DIGIT.sub("", candidate))


# --- IPv6 ---------------------------------------------------------------------------

_IPV6_HINT = re.compile(rb":(?::|[0-9A-Fa-f]{1,4}:)")
_HEX_TAIL = re.compile(r"[0-9A-Fa-f:]{0,40}\Z")
# Hex digits, colons, and the dots of an embedded IPv4 address.
_IPV6_TOKEN = re.compile(r"(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _ipv6(text: str, buf: bytes) -> list[Finding]:
    """Public IPv6 addresses: global unicast (2000::/3) and global. Short
    hex words joined by colons (`dead::beef`, `a::b`) parse as addresses
    but are not in that range. A port written after an address without
    brackets (`2a02:8071::1:51413`) is no part of it."""
    found: list[Finding] = []
    reached = 0
    for hint in _IPV6_HINT.finditer(buf):
        if hint.start() < reached:
            continue
        tail = _HEX_TAIL.search(text, max(0, hint.start() - 40), hint.start())
        begin = tail.start() if tail else hint.start()
        token = _IPV6_TOKEN.match(text, begin)
        if token is None:
            continue
        reached = token.end()
        after = text[reached : reached + 1]
        if after.isalnum() or after == "_":
            continue
        candidate = token.group().rstrip(".")
        for _ in range(2):
            try:
                address = ipaddress.IPv6Address(candidate)
                break
            except ValueError:
                candidate = candidate.rpartition(":")[0]
        else:
            continue
        if address in _GLOBAL_UNICAST and address.is_global:
            found.append(Finding(begin, begin + len(candidate), IP))
    return found


# --- Finding and replacing --------------------------------------------------------------


def find_personal_data(text: str, regions: Sequence[str] = (),
                       patterns: Iterable[tuple[str, re.Pattern[str]]] = ()) -> list[Finding]:
    """Where `text` names a person directly, in order, without overlaps
    (the longer of two overlapping findings is kept). `regions`: where
    national phone numbers may come from (see `phone_regions`); `patterns`:
    the operator's named regular expressions (PRIVACY_PATTERNS)."""
    scan = text
    for odd, plain in _ODD_SEPARATORS.items():
        if odd in scan:
            scan = scan.replace(odd, plain)
    found = _emails(scan)
    digits = _Digits(scan, regions)
    found += digits.scan()
    if ":" in scan:
        found += _ipv6(scan, digits.buf)
    for name, pattern in patterns:
        found += [Finding(m.start(), m.end(), name) for m in pattern.finditer(text) if m.end() > m.start()]
    return _without_overlaps(found)


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    found.sort()
    if all(a.end <= b.start for a, b in zip(found, found[1:])):
        return found
    kept: list[Finding] = []  # sorted by start, disjoint
    for finding in sorted(found, key=lambda f: f.start - f.end):
        index = bisect_left(kept, finding)
        before = kept[index - 1] if index else None
        after = kept[index] if index < len(kept) else None
        if (before is None or before.end <= finding.start) and (after is None or finding.end <= after.start):
            kept.insert(index, finding)
    return kept


def redact(text: str, regions: Sequence[str] = (),
           patterns: Iterable[tuple[str, re.Pattern[str]]] = ()) -> tuple[str, dict[str, int]]:
    """`text` with each finding replaced by its placeholder, and how many of
    each type were replaced."""
    found = find_personal_data(text, regions, patterns)
    counts: dict[str, int] = {}
    if not found:
        return text, counts
    parts, position = [], 0
    for finding in found:
        parts += (text[position : finding.start], placeholder(finding.kind))
        position = finding.end
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    parts.append(text[position:])
    return "".join(parts), counts


def pii_counts(counts: Mapping[str, int], pattern_names: Iterable[str]) -> dict[str, object]:
    """The `pii` column of a document: a count per built-in type, and one per
    operator pattern (zeros included: they say what was looked for)."""
    record: dict[str, object] = {kind: counts.get(kind, 0) for kind in KINDS}
    record["patterns"] = [{"name": name, "count": counts.get(name, 0)} for name in pattern_names]
    return record


_PATTERN_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")


def patterns_problem(patterns: Mapping[str, object]) -> str | None:
    """What is wrong with PRIVACY_PATTERNS (names to regular expressions), or None."""
    for name, pattern in patterns.items():
        if not isinstance(name, str) or not _PATTERN_NAME.match(name) or name in KINDS:
            return (f"pattern name {name!r}: use a lower-case name of letters, digits and `_` "
                    f"(it becomes the placeholder <{str(name).upper()}>), not one of {', '.join(KINDS)}")
        if not isinstance(pattern, str):
            return f"pattern {name}: give a regular expression as text"
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            return f"pattern {name}: {pattern!r} is not a regular expression ({error})"
        if compiled.fullmatch(""):
            return f"pattern {name}: {pattern!r} matches empty text"
    return None


def compile_patterns(patterns: Mapping[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """PRIVACY_PATTERNS (checked by `patterns_problem`), compiled once per crawl."""
    return tuple((name, re.compile(pattern)) for name, pattern in patterns.items())


# --- URLs ---------------------------------------------------------------------------

#: Query keys that identify a visit or a visitor, removed whatever their value
#: (compared in lower case). Sessions: Java, PHP, ASP, ColdFusion,
#: osCommerce, Zen Cart and generic names; tokens and credentials.
SESSION_KEYS = frozenset((
    "jsessionid", "phpsessid", "sessionid", "session_id", "session", "sessid", "cfid", "cftoken", "oscsid",
    "zenid", "token", "auth", "access_token", "auth_token", "id_token", "refresh_token", "api_key", "apikey",
    "password", "passwd", "pwd",
))
#: Tracking keys, removed whatever their value: click identifiers of ad
#: networks, e-mail campaign and analytics identifiers.
TRACKING_KEYS = frozenset((
    "gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
    "li_fat_id", "mc_eid", "mc_cid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "mkt_tok", "_ga", "_gl",
    "s_kwcid", "ef_id", "srsltid", "oly_anon_id", "oly_enc_id", "vero_id", "ref_src",
))
TRACKING_PREFIXES = ("utm_", "mtm_", "aspsessionid")
# `sid` names a session only with a session-like value (phpBB's 32 hex
# characters); a short `sid=12` is a section or site number.
_SESSION_LIKE = re.compile(r"[A-Za-z0-9]{16,}\Z")
_PATH_SESSION = re.compile(r"(?i);(?:jsessionid|phpsessid|sessionid|sid)=[^/;?#]*")
_ASPNET_COOKIELESS = re.compile(r"/\((?:[A-Za-z]\([A-Za-z0-9_\-]*\))+\)(?=/)")


def _identifying(parameter: str) -> bool:
    key, _, value = parameter.partition("=")
    if "%" in key:
        key = unquote(key)
    key = key.lower()
    if key in SESSION_KEYS or key in TRACKING_KEYS or key.startswith(TRACKING_PREFIXES):
        return True
    if key == "sid":
        return bool(_SESSION_LIKE.match(value))
    if "@" in value or "%40" in value.upper():
        return bool(_emails(unquote(value)))
    return False


def without_identifiers(url: str) -> str:
    """`url` without what identifies a visit or a visitor: session
    identifiers in its path (`;jsessionid=...`, ASP.NET's `/(S(...))/`) and
    query (SESSION_KEYS, `sid` with a session-like value), tokens, e-mail
    addresses as values, and tracking parameters (TRACKING_KEYS, `utm_*`).
    Other parameters keep their order and repeats; a fragment is kept."""
    if "?" not in url and ";" not in url and "(" not in url:
        return url
    rest, hash_sign, fragment = url.partition("#")
    head, question, query = rest.partition("?")
    if ";" in head:
        head = _PATH_SESSION.sub("", head)
    if "(" in head:
        head = _ASPNET_COOKIELESS.sub("", head)
    if query:
        query = "&".join(p for p in query.split("&") if not _identifying(p))
    return head + ("?" + query if query else "") + hash_sign + fragment


# --- Headers, bodies, settings -------------------------------------------------------------

#: Response headers whose values describe the document, not the visit: kept.
#: Every other header keeps its name with an empty value, so a cookie, a
#: token or a per-visit identifier (Set-Cookie, WWW-Authenticate,
#: X-Request-Id, CF-Ray, ...) is never stored.
DOCUMENT_HEADERS = frozenset((
    "content-type", "content-language", "content-length", "content-encoding", "last-modified", "etag",
    "date", "expires", "cache-control", "age", "vary", "link", "server", "x-robots-tag", "tdm-reservation",
    "tdm-policy", "content-usage",
))


def stored_headers(headers: list[dict[str, str]]) -> list[dict[str, str]]:
    """Response headers as stored: names in order, values only of DOCUMENT_HEADERS."""
    return [h if h["name"].lower() in DOCUMENT_HEADERS else {"name": h["name"], "value": ""} for h in headers]


def keep_body(setting: bool | None, purpose: str) -> bool:
    """Whether the exact bytes received are stored: PRIVACY_KEEP_BODY, or
    when it is unset, only for an archive, which must keep them."""
    return purpose == PURPOSE_WITH_BODY if setting is None else setting


def privacy_warnings(redacting: bool, body_setting: bool | None, purpose: str) -> list[str]:
    """Settings that make the crawl keep more personal data than its purpose needs."""
    warnings = []
    if not redacting:
        warnings.append("PRIVACY_REDACT is off: e-mail addresses, phone numbers, IP addresses, card numbers, "
                        "IBANs and SSNs stay in the stored text")
    if body_setting and purpose != PURPOSE_WITH_BODY:
        warnings.append(f"PRIVACY_KEEP_BODY=True stores each page's exact bytes, personal data included, "
                        f"though purpose {purpose} does not need them")
    return warnings
