"""A labelled corpus for the wall detector: cases built from the signature
table of the crawler's wall signatures, plus the real challenge pages vendored
in `tests/data/walls/` (licences and NOTICE there)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.corpora import challenge_pages

HTML = {"content-type": "text/html; charset=utf-8"}
LOREM = (
    "<p>The harbour town woke slowly; fishing boats returned with the tide and the market filled "
    "with voices, crates of mackerel and the smell of tar. Reporters from the local paper walked "
    "the quay asking about the new breakwater and what it would mean for the winter storms.</p>"
) * 12


@dataclass
class Case:
    name: str
    kind: str
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: dict(HTML))
    url: str = "http://www.example.com/page"
    redirects: tuple[str, ...] = ()


def page(body: str, title: str = "A page", head: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    ).encode()


ARTICLE = page(f"<header><nav><a href='/'>Home</a></nav></header><main><article><h1>News</h1>{LOREM}</article></main>")
LOGIN_FORM = page(
    "<main><h1>Sign in to your account</h1><form action='/session' method='post'>"
    "<label>Email <input type='email' name='email'></label>"
    "<label>Password <input type='password' name='password'></label>"
    "<label><input type='checkbox'> Remember me</label><button>Sign in</button>"
    "<a href='/forgot'>Forgot password?</a> Don't have an account? <a href='/join'>Join</a></form></main>",
    title="Sign in | Example",
)
CASES: list[Case] = [
    # --- login walls -------------------------------------------------------------------------
    Case("401 basic auth", "login", 401, page("Unauthorized"), HTML | {"www-authenticate": 'Basic realm="staff"'}),
    Case("401 bearer", "login", 401, b'{"error":"invalid_token"}',
         {"content-type": "application/json", "www-authenticate": 'Bearer error="invalid_token"'}),
    Case("407 proxy auth", "login", 407, b"", {"proxy-authenticate": "Basic"}),
    Case("redirect to /login?next=", "login", 200, LOGIN_FORM, url="http://www.example.com/login?next=/account/",
         redirects=("http://www.example.com/account/",)),
    Case("django /accounts/login/", "login", 200, page("x"), url="http://www.example.com/accounts/login/?next=/a",
         redirects=("http://www.example.com/a",)),
    Case("wordpress wp-login.php", "login", 200, page("x"),
         url="http://blog.example.com/wp-login.php?redirect_to=%2Fwp-admin%2F&reauth=1",
         redirects=("http://blog.example.com/wp-admin/",)),
    Case("drupal /user/login", "login", 200, page("x"), url="http://example.org/user/login?destination=/node/1",
         redirects=("http://example.org/node/1",)),
    Case("asp.net /Account/Login", "login", 200, page("x"), url="http://example.org/Account/Login?ReturnUrl=%2Fa",
         redirects=("http://example.org/a",)),
    Case("devise /users/sign_in", "login", 200, page("x"), url="http://git.example.org/users/sign_in",
         redirects=("http://git.example.org/group/project",)),
    Case("google sso host", "login", 200, page("x"), url="https://accounts.google.com/ServiceLogin?continue=x",
         redirects=("http://docs.example.com/d/1",)),
    Case("microsoft sso host", "login", 200, page("x"),
         url="https://login.microsoftonline.com/common/oauth2/authorize?client_id=1",
         redirects=("http://intranet.example.com/",)),
    Case("okta sso host", "login", 200, page("x"), url="https://example.okta.com/app/x/sso/saml",
         redirects=("http://app.example.com/",)),
    Case("keycloak", "login", 200, page("x"),
         url="https://id.example.com/realms/main/protocol/openid-connect/auth?redirect_uri=x",
         redirects=("https://app.example.com/",)),
    Case("linkedin authwall", "login", 200, page("x"), url="https://www.linkedin.com/authwall?trk=x",
         redirects=("https://www.linkedin.com/in/someone",)),
    Case("sign-in page at 200", "login", 200, LOGIN_FORM, url="http://www.example.com/signin"),
    Case("sign-in page without sign-in url", "login", 200, LOGIN_FORM, url="http://www.example.com/members"),
    # --- paywalls and members-only ---------------------------------------------------------------
    Case("schema.org isAccessibleForFree false", "paywall", 200, page(
        LOREM, head='<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree": false,'
        '"hasPart":{"@type":"WebPageElement","isAccessibleForFree":false,"cssSelector":".paywall"}}</script>')),
    Case("isAccessibleForFree 'False' string", "paywall", 200, page(
        LOREM, head='<script type="application/ld+json">{"isAccessibleForFree":"False"}</script>')),
    Case("microdata isAccessibleForFree", "paywall", 200, page(
        '<div itemscope><meta itemprop="isAccessibleForFree" content="false"></div>' + LOREM)),
    Case("wordpress protected post", "paywall", 200, page(
        '<form action="http://blog.example.com/wp-login.php?action=postpass" class="post-password-form" method="post">'
        "<p>This content is password protected. To view it please enter your password below:</p>"
        '<p><label>Password: <input name="post_password" type="password"></label></p></form>')),
    Case("ghost members-only", "paywall", 200, page(
        '<article><p>First lines.</p><aside class="gh-post-upgrade-cta">This post is for subscribers only</aside></article>')),
    Case("restrict content pro", "paywall", 200, page('<div class="rcp-restricted-content-message">Members only.</div>')),
    Case("woocommerce memberships", "paywall", 200, page('<div class="wc-memberships-content-restricted-message">x</div>'
                                                          '<div class="wc-memberships-content-restricted"></div>')),
    Case("memberpress", "paywall", 200, page('<div class="mepr-unauthorized-message">You are unauthorized to view this page.</div>')),
    Case("substack paid", "paywall", 200, page("<p>This post is for paid subscribers</p>" + LOREM)),
    Case("medium member-only", "paywall", 200, page("<span>Member-only story</span>" + LOREM)),
    # --- challenges -----------------------------------------------------------------------------
    Case("cloudflare cf-mitigated", "challenge", 403, page("Just a moment..."), HTML | {"cf-mitigated": "challenge", "server": "cloudflare"}),
    Case("aws waf captcha 405", "challenge", 405, page("<script>window.gokuProps = {key: 1}</script>"),
         HTML | {"x-amzn-waf-action": "captcha"}),
    Case("aws waf challenge 202", "challenge", 202, b"", {"x-amzn-waf-action": "challenge"}),
    Case("aws waf body only", "challenge", 405, page("<script>window.gokuProps = {}</script>")),
    Case("datadome 403", "challenge", 403, page(
        "<script>var dd={'rt':'c','cid':'x','hsh':'y','t':'fe','host':'geo.captcha-delivery.com'}</script>"
        "<script src='https://ct.captcha-delivery.com/c.js'></script>"), HTML | {"x-datadome": "protected"}),
    Case("datadome x-dd-b", "challenge", 403, page("x"), HTML | {"x-dd-b": "1"}),
    Case("perimeterx 403", "challenge", 403, page(
        '<div id="px-captcha"></div><p>Press &amp; Hold to confirm you are a human (and not a bot).</p>',
        title="Access to this page has been denied", head='<meta name="description" content="px-captcha">')),
    Case("imperva iframe at 200", "challenge", 200, page(
        '<iframe src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=1&incident_id=2" frameborder=0></iframe>')),
    Case("akamai bot manager at 200", "challenge", 200, page(
        '<div id="sec-if-cpt-container"><script src="/_sec/cp_challenge/sec-4-4.js"></script></div>')),
    Case("vercel checkpoint 429", "challenge", 429, page("We're verifying your browser", title="Vercel Security Checkpoint"),
         HTML | {"x-vercel-mitigated": "challenge"}),
    Case("siteground 202", "challenge", 202,
         b'<html><head><meta http-equiv="refresh" content="0;/.well-known/sgcaptcha/?r=%2F"></head></html>',
         HTML | {"sg-captcha": "challenge"}),
    Case("anubis at 200", "challenge", 200, page(
        '<script id="anubis_version" type="application/json">"v1.27.0"</script>'
        '<div id="anubis_challenge"></div><p>Protected by Anubis From Techaro.</p>', title="Making sure you're not a bot!")),
    Case("anubis at 401", "challenge", 401, page(
        '<script id="anubis_version" type="application/json">"v1.27.0"</script>'),
        HTML | {"www-authenticate": "Anubis"}),
    Case("go-away at 418", "challenge", 418, page(
        '<link rel="stylesheet" href="/.well-known/.git.gammaspectra.live/git/go-away/cmd/go-away/assets/static/anubis/style.css">'
        "<p>Protected by go-away :: Request Id abc</p>", title="Checking you are not a bot")),
    Case("go-away at 200", "challenge", 200, page("<p>Protected by go-away :: Request Id abc</p>")),
    Case("recaptcha interstitial", "challenge", 200, page(
        '<form><div class="g-recaptcha" data-sitekey="6Lc"></div><button>Continue</button></form>',
        head='<script src="https://www.google.com/recaptcha/api.js"></script>')),
    Case("hcaptcha interstitial", "challenge", 200, page(
        '<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div>')),
    Case("turnstile interstitial 403", "challenge", 403, page(
        '<p>Verify you are human</p><div class="cf-turnstile" data-sitekey="0x4AAA"></div>')),
    Case("google unusual traffic 429", "challenge", 429, page(
        "<p>Our systems have detected unusual traffic from your computer network.</p>"
        '<form id="captcha-form"><div class="g-recaptcha"></div></form>'),
        url="https://www.google.com/sorry/index?continue=x", redirects=("https://www.google.com/search?q=x",)),
    Case("kasada 429", "challenge", 429, page("<script>window.KPSDK={};KPSDK.scriptStart=KPSDK.now();</script>"),
         HTML | {"x-kpsdk-ct": "abc"}),
    Case("distil 405", "challenge", 405, page('<form id="distilCaptchaForm"></form>', title="Pardon Our Interruption")),
    Case("cloudflare challenge redirect", "challenge", 200, page("x"),
         url="http://www.example.com/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=1",
         redirects=("http://www.example.com/a",)),
    Case("generic 403 check", "challenge", 403, page("<p>Please complete the security check to access this site.</p>")),
    # --- blocks ------------------------------------------------------------------------------------
    Case("cloudflare 1020", "block", 403, page(
        '<div id="cf-error-details"><h1>Sorry, you have been blocked</h1><span class="cf-error-code">1020</span></div>',
        title="Attention Required! | Cloudflare"), HTML | {"server": "cloudflare"}),
    Case("akamai edge deny", "block", 403, page(
        "<h1>Access Denied</h1>You don't have permission to access \"http://www.example.com/\" on this server.<p>"
        "Reference #18.1a2b.1700000000.3c4d</p><p>https://errors.edgesuite.net/18.1a2b</p>", title="Access Denied"),
        HTML | {"server": "AkamaiGHost"}),
    Case("f5 rejected at 200", "block", 200, page(
        "The requested URL was rejected. Please consult with your administrator.<br>Your support ID is: 123",
        title="Request Rejected")),
    Case("sucuri block header", "block", 403, page("x"), HTML | {"x-sucuri-block": "BL001"}),
    Case("sucuri block page", "block", 403, page("<p>Sucuri WebSite Firewall - Access Denied</p>")),
    Case("wordfence", "block", 503, page("<p>Generated by Wordfence at Sat, 1 Jan 2026</p>")),
    Case("imperva incident", "block", 403, page("Request unsuccessful. Incapsula incident ID: 123-456")),
    Case("linkedin 999", "block", 999, page("<script>window.location='https://www.linkedin.com/authwall'</script>")),
    # --- rate limits -------------------------------------------------------------------------------
    Case("429 plain", "ratelimit", 429, b"Too Many Requests", {"content-type": "text/plain"}),
    Case("429 retry-after", "ratelimit", 429, page("slow down"), HTML | {"retry-after": "6"}),
    Case("503 retry-after", "ratelimit", 503, page("maintenance"), HTML | {"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"}),
    Case("cloudflare 1015", "ratelimit", 429, page(
        '<span class="cf-error-code">1015</span><h2>You are being rate limited</h2>'), HTML | {"retry-after": "30"}),
    # --- content that must stay content ---------------------------------------------------------------
    Case("article", "content", 200, ARTICLE),
    Case("article with comment-form recaptcha", "content", 200, page(
        f"<article>{LOREM}</article><section id='comments'><form><textarea></textarea>"
        "<div class='g-recaptcha' data-sitekey='6Lc'></div><button>Post</button></form></section>",
        head='<script src="https://www.google.com/recaptcha/api.js" async></script>')),
    Case("article behind cloudflare, passive scripts", "content", 200, page(
        f"<article>{LOREM}</article><script>(function(){{window['__CF$cv$params']={{r:'8a',t:'MTc'}};"
        "var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';}})();</script>"),
        HTML | {"server": "cloudflare", "cf-ray": "8a1b2c3d4e5f-AMS", "cf-cache-status": "HIT",
                "set-cookie": "__cf_bm=abc; path=/"}),
    Case("article with datadome vendor header", "content", 200, page(
        f"<article>{LOREM}</article><script src='https://js.datadome.co/tags.js' async></script>"),
        HTML | {"x-datadome": "protected", "x-datadome-cid": "abc"}),
    Case("article with imperva passive script", "content", 200, page(
        f"<article>{LOREM}</article><script src='/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3'></script>"),
        HTML | {"x-iinfo": "1-2-3", "x-cdn": "Incapsula"}),
    Case("article with header login widget", "content", 200, page(
        "<header><form class='mini-login'><input name='user'><input type='password' name='pass'>"
        f"<button>Log in</button></form></header><article>{LOREM}</article>")),
    Case("registration page", "content", 200, page(
        "<form><input type='email'><input type='password' name='new'><input type='password' name='confirm'>"
        "<button>Create account</button></form>", title="Join")),
    Case("article linking to login", "content", 200, page(f"<a href='/login'>Log in</a><article>{LOREM}</article>")),
    Case("pagination with next=", "content", 200, ARTICLE, url="http://www.example.com/blog?next=2",
         redirects=("http://www.example.com/blog/",)),
    Case("author page, not auth", "content", 200, ARTICLE, url="http://www.example.com/author/jane",
         redirects=("http://www.example.com/authors/jane",)),
    Case("csp naming recaptcha", "content", 200, page(
        LOREM, head="<meta http-equiv='Content-Security-Policy' content=\"script-src 'self' www.google.com/recaptcha/\">")),
    Case("age-restricted video page", "content", 200, page(f'<div class="age-restricted">18+</div>{LOREM}')),
    Case("free article", "content", 200, page(LOREM, head='<script type="application/ld+json">{"isAccessibleForFree": true}</script>')),
    Case("datadome marketing page", "content", 200, page(f"<h1>Why we chose DataDome for bot protection</h1>{LOREM}")),
    Case("404 page", "content", 404, page("<h1>Not found</h1>")),
    Case("503 without retry-after", "content", 503, page("<h1>Service unavailable</h1>")),
    Case("403 plain forbidden", "content", 403, page("<h1>Forbidden</h1><p>You don't have permission.</p>" + LOREM)),
    Case("json with captcha word", "content", 200, b'{"captcha": "g-recaptcha", "challenge": 1}',
         {"content-type": "application/json"}),
]

REAL_CHALLENGES = challenge_pages()
PASSIVE = "bfm_07_01_2021.html"  # Bot Fight Mode's passive snippet on a normal page


def all_cases() -> list[Case]:
    cases = list(CASES)
    for path in REAL_CHALLENGES:
        body = path.read_bytes()
        kind = "content" if path.name == PASSIVE else "challenge"
        statuses = (200,) if kind == "content" else (200, 403, 503)
        for status in statuses:
            cases.append(Case(f"real {path.parent.name}/{path.name} at {status}", kind, status, body,
                              HTML | {"server": "cloudflare", "cf-ray": "1-AMS"}))
    return cases
