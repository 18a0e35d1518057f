"""Is a response a login wall, a paywall, a challenge, a block or a rate
limit rather than content? Pure: status, headers, URLs and the head of the
body in; a verdict and the evidence that decided out.

The order follows what every surveyed detector of challenge and login-wall
signatures converges on: decisive headers first, vendor headers never (they
are on every response of a protected site), body markers only where they cannot
be passive scripts. Past the signatures, walls are told by their shape, which
real block and challenge pages share whatever their vendor: the page's own
prose (visible text outside links, so that a site's navigation and footer do
not count) is little more than a block or verification statement or a CAPTCHA
widget; a script or meta refresh sends the visitor to a verification path of
the same site before any content; a <noscript> asks for JavaScript to continue
on an otherwise empty page. A statement quoted in running text (an article
about CAPTCHAs) is a mention, not a wall.

On ordinary 2xx pages a handful of cheap checks decide whether any closer look
is needed: a page is looked at closely only when it is short, when its first
32 KiB are all markup (the rest is then read, up to 512 KiB), or when it has
few paragraphs and a suspect word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

KINDS = ("content", "login", "paywall", "challenge", "block", "ratelimit")
HEAD_BYTES = 32 * 1024  # read of any page: login forms, paywall markers
MARKER_BYTES = 4 * 1024  # read of a long 2xx page for vendor markers, which sit near the top
SHORT_PAGE = 12 * 1024  # interstitials are short: a short page is read whole for markers
DEEP_BYTES = 512 * 1024  # read of a page whose first HEAD_BYTES are all styles and scripts
PROSE = 1000  # at most this much prose beside a block or verification statement
WIDGET_PROSE = 400  # at most this much prose beside a CAPTCHA widget
REDIRECT_PROSE = 100  # at most this much prose on a page that only sends the visitor on


@dataclass(frozen=True)
class Verdict:
    kind: str
    evidence: str = ""
    vendor: str = ""

    @property
    def is_content(self) -> bool:
        return self.kind == "content"

    def __str__(self) -> str:
        vendor = f" ({self.vendor})" if self.vendor else ""
        return f"{self.kind}: {self.evidence}{vendor}"


CONTENT = Verdict("content")

# Headers that only a challenge or block carries.
_DECISIVE_HEADERS: list[tuple[str, tuple[str, ...] | None, str, str]] = [
    ("cf-mitigated", ("challenge",), "challenge", "Cloudflare"),
    ("x-amzn-waf-action", ("captcha", "challenge"), "challenge", "AWS WAF"),
    ("x-vercel-mitigated", ("challenge",), "challenge", "Vercel"),
    ("sg-captcha", ("challenge",), "challenge", "SiteGround"),
    ("x-dd-b", ("1", "2"), "challenge", "DataDome"),
    ("x-sucuri-block", None, "block", "Sucuri"),
]

# (marker, kind, vendor, served with 2xx): literal, lower-case markers that
# passive scripts and ordinary pages do not carry. The first in table order
# decides. On a 2xx page only the walls known to answer 2xx are looked for.
_MARKERS: list[tuple[bytes, str, str, bool]] = [
    # Self-hosted proof-of-work walls, which answer 200 (Anubis) or 418 (go-away)
    (b'id="anubis_challenge"', "challenge", "Anubis", True),
    (b'id="anubis_version"', "challenge", "Anubis", True),
    (b"/.within.website/x/cmd/anubis/", "challenge", "Anubis", True),
    (b"protected by go-away", "challenge", "go-away", True),
    (b"__goaway_challenge", "challenge", "go-away", True),
    (b"/go-away/cmd/go-away/", "challenge", "go-away", True),
    # Cloudflare: challenge scripts first (they embed the block page's markup),
    # then rate limits and blocks, then the title blocks share with CAPTCHAs
    (b"window._cf_chl_opt", "challenge", "Cloudflare", True),
    (b"/cdn-cgi/challenge-platform/h/", "challenge", "Cloudflare", True),
    (b'id="challenge-form"', "challenge", "Cloudflare", True),
    (b"jschl-answer", "challenge", "Cloudflare", True),
    (b"jschl_vc", "challenge", "Cloudflare", True),
    (b'id="cf-challenge-running"', "challenge", "Cloudflare", True),
    (b'name="cf_captcha_kind"', "challenge", "Cloudflare", True),
    (b'class="cf-error-code">1015<', "ratelimit", "Cloudflare", False),
    (b"you are being rate limited", "ratelimit", "Cloudflare", False),
    (b'class="cf-error-code">10', "block", "Cloudflare", False),
    (b"sorry, you have been blocked", "block", "Cloudflare", False),
    (b"<title>attention required! | cloudflare</title>", "challenge", "Cloudflare", True),
    # AWS WAF, DataDome, PerimeterX / HUMAN, Imperva, Akamai, others
    (b"window.gokuprops", "challenge", "AWS WAF", True),
    (b"captcha-delivery.com", "challenge", "DataDome", True),
    (b'content="px-captcha"', "challenge", "PerimeterX", False),
    (b'id="px-captcha"', "challenge", "PerimeterX", False),
    (b"press &amp; hold to confirm you are", "challenge", "PerimeterX", False),
    (b"press & hold to confirm you are", "challenge", "PerimeterX", False),
    (b"_incapsula_resource?cwudnsai", "challenge", "Imperva", True),
    (b"incapsula incident id", "block", "Imperva", True),
    (b'id="sec-if-cpt-container"', "challenge", "Akamai", True),
    (b"/_sec/cp_challenge/", "challenge", "Akamai", True),
    (b"errors.edgesuite.net", "block", "Akamai", False),
    (b"<title>vercel security checkpoint</title>", "challenge", "Vercel", False),
    (b"/.well-known/sgcaptcha/", "challenge", "SiteGround", False),
    (b"/.well-known/ddos-guard/", "challenge", "DDoS-Guard", False),
    (b"distilcaptchaform", "challenge", "Distil", False),
    (b"kpsdk.scriptstart", "challenge", "Kasada", False),
    (b"window.kpsdk", "challenge", "Kasada", False),
    (b"the requested url was rejected. please consult with your administrator", "block", "F5", True),
    (b"sucuri website firewall - access denied", "block", "Sucuri", False),
    (b"sucuri_cloudproxy_js", "challenge", "Sucuri", True),
    (b"our systems have detected unusual traffic", "challenge", "Google", False),
    (b"/errors/validatecaptcha", "challenge", "Amazon", True),
    (b"validate.perfdrive.com", "challenge", "Radware", True),
    (b"generated by wordfence", "block", "Wordfence", False),
    (b"protected by imunify360", "block", "Imunify360", False),
]
# Markers are looked for only behind a gate the page contains: one substring
# search per gate instead of one per marker keeps ordinary pages cheap.
_GATES = (b"captcha", b"challenge", b"anubis", b"go-away", b"cf_chl", b"jschl", b"cf-error-code",
          b"cloudflare", b"rate limited", b"incapsula", b"sucuri", b"press &", b"kpsdk")


# Titles of interstitials, read before any marker: a cheap, early signal.
_TITLES: dict[bytes, tuple[str, str]] = {
    b"just a moment...": ("challenge", "Cloudflare"),
    b"attention required! | cloudflare": ("challenge", "Cloudflare"),
    b"making sure you're not a bot!": ("challenge", "Anubis"),
    b"making sure you&#39;re not a bot!": ("challenge", "Anubis"),
    b"checking you are not a bot": ("challenge", "go-away"),
    b"vercel security checkpoint": ("challenge", "Vercel"),
    b"robot challenge screen": ("challenge", "SiteGround"),
    b"access to this page has been denied": ("challenge", "PerimeterX"),
    b"access to this page has been denied.": ("challenge", "PerimeterX"),
    b"pardon our interruption": ("challenge", "Imperva"),
    b"ddos-guard": ("challenge", "DDoS-Guard"),
    b"request rejected": ("block", "F5"),
}

_Gated = dict[bytes, list[tuple[int, bytes, str, str]]]


def _gated(markers: list[tuple[bytes, str, str, bool]], success: bool) -> _Gated:
    gated: _Gated = {}
    for order, (marker, kind, vendor, on_2xx) in enumerate(markers):
        if success and not on_2xx:
            continue
        gate = next((g for g in _GATES if g in marker), marker)
        gated.setdefault(gate, []).append((order, marker, kind, vendor))
    return gated


_ANY_STATUS = _gated(_MARKERS, success=False)
_ON_2XX = _gated(_MARKERS, success=True)

_WIDGETS = (b"g-recaptcha", b"h-captcha", b"cf-turnstile", b"frc-captcha", b"<altcha-widget",
            b"mcaptcha__widget", b"<cap-widget")
# What a wall says of itself, lower-case. Judged on the page's prose only, and
# never where it is quoted.
_CHALLENGE_SAYS = (b"verify you are human", b"verifying you are human", b"prove that you are human",
                   b"check if you are a human", b"confirm you are a human", b"confirm you are not a robot",
                   b"not a robot", b"are you a robot", b"checking your browser", b"checking if the site connection",
                   b"complete the security check", b"unusual traffic", b"enable javascript and cookies to continue",
                   b"please wait for verification", b"pardon our interruption", b"visitor system",
                   b"security verification", b"needs to review the security of your connection",
                   b"your browser will jump to", "\u5b89\u5168\u9a8c\u8bc1".encode())  # 安全验证: security verification
_BLOCK_SAYS = (b"your request has been blocked", b"you have been blocked", b"has been blocked by",
               b"access denied", b"access is denied", b"access forbidden", b"access is forbidden",
               b"access to this page has been denied", b"you are unable to visit", b"request unsuccessful",
               b"request blocked", b"request rejected", b"your access to this site has been limited",
               b"your access to this service has been limited", b"permission to access",
               b"this request was blocked")
# Cheap gates before a closer look at a long page with few paragraphs.
_SUSPECT = (b"blocked", b"denied", b"forbidden", b"human", b"robot", b"verif", b"unusual", b"captcha",
            b"visitor", b"interruption",
            b"\xe9\xaa\x8c\xe8\xaf\x81")  # 验证: verification
_QUOTES = (b"'", b'"', b"&quot;", b"&#39;", b"&#x27;", "\u201c".encode(), "\u2018".encode(), "\u00ab".encode())
# Path words of a verification step, in a URL a small page sends the visitor to.
_VERIFY_URL = re.compile(
    rb"""(?:location(?:\.href)?\s*=|location\.(?:replace|assign)\s*\(|url\s*=)\s*['"]?([^'"\s;)>]*)""")
_VERIFY_WORDS = (b"verif", b"captcha", b"challenge", b"punish", b"unhuman", b"antibot", b"anti-bot", b"visitor",
                 b"security-check", b"sec_check", b"validate", b"/sorry")
_PATH_LITERAL = re.compile(rb"""['"](https?://[^'"\s]*|/[^'"\s]*)['"]""")
_NAVIGATES = re.compile(rb"location(?:\.href)?\s*=[^=]|location\.(?:replace|assign)\s*\(")
_META_REFRESH = re.compile(rb"""<meta[^>]*http-equiv\s*=\s*['"]?refresh[^>]*>""")
_NOSCRIPT = re.compile(rb"<noscript[^>]*>(.*?)</noscript\s*>", re.S)
_JS_TO_GO_ON = (b"continue", b"proceed", b"support id", b"robot", b"human", b"page content")
_LINK = re.compile(rb"<a\b[^>]*>.*?</a\s*>", re.S)
_PARAGRAPH = re.compile(rb"<p[\s>]")
_FEW_PARAGRAPHS = 6
_SIGN_UP = re.compile(rb"sign[ -]?up|register|registration|create (?:an |your )?account|join now")
_ENTRY_FIELDS = re.compile(rb"""<textarea|<input[^>]*\btype\s*=\s*["']?(?:email|password)\b""")

_CHALLENGE_PATHS = ("/cdn-cgi/challenge-platform/", "/.within.website/", "/.well-known/sgcaptcha/",
                    "/.well-known/ddos-guard/", "/sorry/index")
_LOGIN_SEGMENTS = {"login", "log-in", "logon", "signin", "sign-in", "sign_in", "authwall",
                   "wp-login.php", "login.action", "special:userlogin", "sso", "saml2", "cas"}
_LOGIN_PATHS = ("/accounts/login", "/account/login", "/users/sign_in", "/user/login", "/u/login",
                "/oauth/authorize", "/oauth2/", "/protocol/openid-connect/auth",
                "/idp/profile/saml2", "/adfs/ls", "/i/flow/login", "/cdn-cgi/access/login",
                "/_layouts/15/authenticate.aspx")
_LOGIN_HOSTS = ("accounts.google.com", "login.microsoftonline.com", "login.live.com",
                "login.windows.net", "appleid.apple.com", "id.atlassian.com", "login.salesforce.com")
_LOGIN_HOST_SUFFIXES = (".b2clogin.com", ".okta.com", ".oktapreview.com", ".okta-emea.com",
                        ".auth0.com", ".onelogin.com", ".pingone.com", ".amazoncognito.com",
                        ".cloudflareaccess.com", ".duosecurity.com")
_LOGIN_HOST_PREFIXES = ("login.", "signin.", "sso.", "idp.", "auth.")
_RETURN_PARAMS = {"next", "return", "returnurl", "return_url", "return_to", "returnto", "redirect",
                  "redirect_uri", "redirect_url", "redirect_to", "redirectto", "destination",
                  "continue", "service", "goto", "from", "rd", "came_from", "os_destination",
                  "source", "relaystate", "samlrequest", "wreply", "wctx"}

_PASSWORD_INPUT = re.compile(rb"""<input[^>]*\btype\s*=\s*["']?password\b""")
_SIGN_IN = re.compile(rb"sign[ -]?in|log[ -]?in\b|logon|anmelden|connexion|iniciar sesi|accedi")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.S)
_NOT_TEXT = re.compile(rb"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.S)
_TAG = re.compile(rb"<[^>]*>")
_NOT_FREE = re.compile(
    rb"""["']isAccessibleForFree["']\s*:\s*["']?false|itemprop=["']isAccessibleForFree["'][^>]*content=["']false""",
    re.I,
)
# (marker, platform, bytes read): plug-in markers sit early, teaser notices late.
_MEMBERS_ONLY = (
    (b"gh-post-upgrade-cta", "Ghost members-only post", 16 * 1024),
    (b"mepr-unauthorized-message", "MemberPress", 16 * 1024),
    (b"rcp-restricted-content-message", "Restrict Content Pro", 16 * 1024),
    (b"wc-memberships-content-restricted", "WooCommerce Memberships", 16 * 1024),
    (b"This post is for paid subscribers", "Substack", HEAD_BYTES),
    (b"Member-only story", "Medium", HEAD_BYTES),
)
_PROTECTED_POSTS = (
    (b"post-password-form", "WordPress password-protected post"),
    (b"wp-login.php?action=postpass", "WordPress password-protected post"),
)


def _marker(window: bytes, gated: _Gated) -> Verdict | None:
    """The first vendor marker of the table found in `window`, if any."""
    hits = [
        entry
        for gate, entries in gated.items()
        if gate in window
        for entry in entries
        if entry[1] in window
    ]
    if not hits:
        return None
    _, marker, kind, vendor = min(hits)
    return Verdict(kind, f"body marker {marker.decode()!r}", vendor)


def _visible_text(head: bytes) -> bytes:
    return b" ".join(_TAG.sub(b" ", _NOT_TEXT.sub(b" ", head)).split())


def login_url(url: str) -> str | None:
    """Why a URL is a login or SSO page, or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    if host in _LOGIN_HOSTS or host.endswith(_LOGIN_HOST_SUFFIXES):
        return f"sign-in host {host}"
    segments = set(path.strip("/").split("/"))
    params = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if segments & _LOGIN_SEGMENTS or any(p in path for p in _LOGIN_PATHS):
        return f"sign-in page {parts.path}" + (f"?{parts.query}" if parts.query else "")
    if (host.startswith(_LOGIN_HOST_PREFIXES) or "auth" in segments) and params & _RETURN_PARAMS:
        return f"sign-in page {host}{parts.path} with a return-to parameter"
    if "option=com_users" in parts.query.lower() and "view=login" in parts.query.lower():
        return "Joomla sign-in page"
    return None


def challenge_url(url: str) -> str | None:
    """Why a URL is a challenge page, or None."""
    path = urlsplit(url).path.lower()
    for marker in _CHALLENGE_PATHS:
        if marker in path:
            return f"challenge page {marker}"
    return None


def classify(
    status: int,
    headers: Mapping[str, str],
    url: str = "",
    redirects: Sequence[str] = (),
    body: bytes = b"",
) -> Verdict:
    """What a response is. `headers` maps lower-case names to values,
    `redirects` lists the URLs redirected from, first requested first."""
    if status == 407:
        return Verdict("login", "407 Proxy-Authenticate: the proxy wants credentials")
    for name, values, kind, vendor in _DECISIVE_HEADERS:
        value = headers.get(name)
        if value is not None and (values is None or value.strip().lower() in values):
            return Verdict(kind, f"header {name}: {value.strip()}", vendor)
    datadome = headers.get("x-datadome")
    if datadome is not None and datadome.strip().lower() != "protected" and status >= 400:
        return Verdict("challenge", f"header x-datadome: {datadome.strip()}", "DataDome")

    hops = [*redirects[1:], url] if redirects else [url]
    for hop in hops:
        reason = challenge_url(hop)
        if reason:
            return Verdict("challenge", f"redirected to {reason}")
    if redirects:
        for hop in hops:
            reason = login_url(hop)
            if reason:
                return Verdict("login", f"redirected to {reason}")

    content_type = headers.get("content-type", "").lower()
    html = "html" in content_type or (not content_type and body[:512].lstrip().startswith(b"<"))
    # markers in a script, JSON or robots.txt do not make a page a wall
    raw = body[:HEAD_BYTES] if html else b""
    # a head that is all styles and scripts says nothing: read on, as a browser would
    deep = html and len(body) > HEAD_BYTES and b"<body" not in raw and b"<BODY" not in raw
    error = status >= 400 or status in (202, 999) or status < 200
    # an error page is off the hot path: one with few paragraphs is read on for its notice
    deep = deep or (error and len(body) > HEAD_BYTES and _few_paragraphs(raw))
    window = body[:DEEP_BYTES] if deep and html else raw
    if error:
        return _error_page(status, headers, window.lower(), len(body), url)
    short = len(body) <= SHORT_PAGE
    found = _title(raw) or _marker((raw if short else raw[:MARKER_BYTES]).lower(), _ON_2XX)
    if found is not None:
        return found
    if short or deep or _few_paragraphs(raw):
        low = window.lower()
        part = _body_part(low)
        if short or deep or any(word in part for word in _SUSPECT):
            found = _looks_like_a_wall(low, url, short or deep)
            if found is not None:
                return found
    if b"isAccessibleForFree" in raw and _NOT_FREE.search(raw):
        return Verdict("paywall", "schema.org isAccessibleForFree: false")
    for marker, platform, window_bytes in _MEMBERS_ONLY:
        if marker in raw[:window_bytes]:
            return Verdict("paywall", f"{platform} ({marker.decode()!r})")
    if b"password" in raw:
        head = raw.lower()
        for marker, platform in _PROTECTED_POSTS:
            if marker in head:
                return Verdict("paywall", f"{platform} ({marker.decode()!r})")
        return _login_form(head, whole=len(body) <= HEAD_BYTES)
    return CONTENT


def _few_paragraphs(head: bytes) -> bool:
    """Fewer than a handful of paragraphs: articles, the common case, stop here early."""
    for count, _ in enumerate(_PARAGRAPH.finditer(head), 1):
        if count >= _FEW_PARAGRAPHS:
            return False
    return True


def _body_part(head: bytes) -> bytes:
    """The head of the body from <body> on: a notice is never in <head>, which
    on real pages is most of the first 32 KiB (scripts, styles, meta tags that
    say robots and verification)."""
    start = head.find(b"<body")
    return head[start:] if start >= 0 else head


def _prose(head: bytes) -> bytes:
    """Visible text outside links: what the page itself says, without the
    navigation, menus and footers that surround a block notice as they
    surround an article."""
    return b" ".join(_TAG.sub(b" ", _LINK.sub(b" ", _NOT_TEXT.sub(b" ", _body_part(head)))).split())


def _says(prose: bytes, phrases: tuple[bytes, ...]) -> bytes | None:
    """The first phrase the prose states rather than quotes."""
    for phrase in phrases:
        at = prose.find(phrase)
        while at >= 0:
            if not any(quote in prose[max(0, at - 6):at] for quote in _QUOTES):
                return phrase
            at = prose.find(phrase, at + 1)
    return None


def _widget(head: bytes) -> bytes | None:
    """The CAPTCHA widget on the page, if any, behind two cheap gates."""
    if b"captcha" not in head and b"turnstile" not in head and b"-widget" not in head:
        return None
    return next((w for w in _WIDGETS if w in head), None)


def _statement(prose: bytes) -> Verdict | None:
    """A verdict when the page's prose is little more than a wall's statement."""
    if len(prose) > PROSE:
        return None
    said = _says(prose, _CHALLENGE_SAYS)
    if said is not None:
        return Verdict("challenge", f"the page's text is a verification notice ({said.decode()!r})")
    said = _says(prose, _BLOCK_SAYS)
    if said is not None:
        return Verdict("block", f"the page's text is a block notice ({said.decode()!r})")
    return None


def _same_site(target: bytes, url: str) -> bool:
    """Whether `target` (relative, or absolute on the same registered domain) stays on `url`'s site."""
    if not target.startswith((b"http://", b"https://", b"//")):
        return True
    host = (urlsplit(target.decode("latin-1")).hostname or "").lower()
    own = (urlsplit(url).hostname or "").lower()
    labels = own.split(".")
    # the registered domain: last two labels, three under a short second-level one (co.uk, com.cn)
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2 else 2
    site = ".".join(labels[-keep:])
    return bool(site) and (host == site or host.endswith("." + site))


def _sends_to_verification(head: bytes, url: str) -> bytes | None:
    """A verification URL on the page's own site that a script or meta refresh
    sends the visitor to, or that the navigating script names."""
    for refresh in _META_REFRESH.findall(head):
        for target in _VERIFY_URL.findall(refresh):
            if any(word in target for word in _VERIFY_WORDS) and _same_site(target, url):
                return target
    if _NAVIGATES.search(head) is None:
        return None
    for target in (*_VERIFY_URL.findall(head), *_PATH_LITERAL.findall(head)):
        if any(word in target for word in _VERIFY_WORDS) and _same_site(target, url):
            return target
    return None


def _looks_like_a_wall(head: bytes, url: str, whole: bool) -> Verdict | None:
    """A 2xx page shaped like an interstitial: its prose is a block or
    verification statement or a bare CAPTCHA widget, it only sends the visitor
    on to a verification path of its own site, or it asks for JavaScript to
    continue and says nothing else. `whole` when `head` is all of the page
    that says anything (a short page, or a long one read past its styles)."""
    prose = _prose(head)
    found = _statement(prose)
    if found is not None:
        return found
    reason = login_url(url) if len(prose) < WIDGET_PROSE else None
    if reason:
        return Verdict("login", f"a {reason} with little else")
    widget = _widget(head) if len(prose) < WIDGET_PROSE else None
    if widget is not None and _ENTRY_FIELDS.search(head) is None:
        return Verdict("challenge", f"page is little more than a CAPTCHA ({widget.decode()!r})")
    if not whole or len(prose) > REDIRECT_PROSE:
        return None
    target = _sends_to_verification(head, url)
    if target is not None:
        return Verdict("challenge", f"the page only sends the visitor to {target.decode('latin-1')[:80]!r}")
    if len(prose) < 30:
        for note in _NOSCRIPT.findall(head):
            if b"javascript" in note and any(word in note for word in _JS_TO_GO_ON):
                return Verdict("challenge", "an empty page whose <noscript> asks for JavaScript to continue")
    return None


def _title(head: bytes) -> Verdict | None:
    """A verdict from the page's <title>, if it is an interstitial's."""
    start = head.find(b"<title")
    if start < 0:
        return None
    start = head.find(b">", start) + 1
    end = head.find(b"</title", start, start + 300)
    if start <= 0 or end < 0:
        return None
    title = b" ".join(head[start:end].split()).lower()
    found = _TITLES.get(title)
    return Verdict(found[0], f"page title {title.decode('utf-8', 'replace')!r}", found[1]) if found else None


def _error_page(status: int, headers: Mapping[str, str], head: bytes, size: int, url: str) -> Verdict:
    """An error status (or 202, 999): vendor markers first, then a CAPTCHA or
    a statement that is the whole page, then what the status itself says."""
    found = _marker(head, _ANY_STATUS)
    if found is not None:
        return found
    if status == 401:
        challenge = headers.get("www-authenticate")
        return Verdict("login", f"401 with WWW-Authenticate: {challenge}" if challenge else "401 Unauthorized")
    if head and (size <= SHORT_PAGE or len(head) > HEAD_BYTES or _few_paragraphs(head)):
        prose = _prose(head)
        widget = _widget(head) if len(prose) < WIDGET_PROSE else None
        if widget is not None and _ENTRY_FIELDS.search(head) is None:
            return Verdict("challenge", f"{status} page with a CAPTCHA ({widget.decode()!r})")
        found = _statement(prose)
        if found is not None:
            return Verdict(found.kind, f"{status}: {found.evidence}")
        title = _TITLE.search(head)
        if status == 403 and title and _SIGN_IN.search(title.group(1)) and len(prose) < WIDGET_PROSE:
            return Verdict("login", "403 page titled as a sign-in page")
    if status == 429:
        return Verdict("ratelimit", "429 Too Many Requests")
    if status == 503 and "retry-after" in headers:
        return Verdict("ratelimit", f"503 with Retry-After: {headers['retry-after']}")
    if status == 999:
        return Verdict("block", "999 Request denied")
    if status == 418:
        return Verdict("block", "418 I'm a teapot: a refusal, never content")
    return CONTENT


def _login_form(head: bytes, whole: bool) -> Verdict:
    """A 2xx page whose main content is a sign-in form: one password field,
    sign-in wording (title, prose or the form's button), and little prose
    besides (a header login widget on an article is not a wall, nor is a
    sign-up form). `whole` when the page ends within `head`: only then can
    little prose mean little page."""
    fields = _PASSWORD_INPUT.findall(head)
    if len(fields) != 1:
        return CONTENT
    title = _TITLE.search(head)
    titled = bool(title and _SIGN_IN.search(title.group(1)))
    prose = _prose(head)
    after = head.find(fields[0])
    button = _TAG.sub(b" ", head[after:after + 2000].partition(b"</button")[0][-300:])
    if not titled and (_SIGN_UP.search(button) or _SIGN_UP.search(title.group(1) if title else b"")):
        return CONTENT
    worded = bool(_SIGN_IN.search(prose) or _SIGN_IN.search(button))
    if (titled and len(prose) < 6000) or (whole and (worded and len(prose) < 800 or len(prose) < 300)):
        return Verdict("login", "sign-in form is the page's main content")
    return CONTENT
