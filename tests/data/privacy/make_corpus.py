"""Write the labelled privacy corpus, corpus.jsonl, beside this file.

    .venv/bin/python tests/data/privacy/make_corpus.py

Constructed by the project, deterministically (one seed): pages of text in
nine locales, each mixing ordinary sentences with personal data of every
type the crawler redacts, in the formats pages use, and with look-alikes
that must stay (dates, times, versions, prices, ISBNs, EANs, order and
tracking numbers, coordinates, 16-digit numbers failing Luhn, years,
percentages, private and documentation addresses, file names with `@`,
IBANs with a wrong checksum, impossible SSNs...). One JSON object per page:
`host` and `lang` (what the crawler knows of the page), `text`, and the
labelled spans: `pii` as [start, end, type] and `lookalikes` as
[start, end, category]. Every value is generated; any resemblance to a
real person's number or address is chance.
"""

from __future__ import annotations

import ipaddress
import json
import random
import re
import string
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat as Format
from phonenumbers import PhoneNumberType as NumberType
from stdnum import iban as stdnum_iban
from stdnum import luhn, numdb
from stdnum.us import ssn as stdnum_ssn

OUT = Path(__file__).with_name("corpus.jsonl")
PAGES_PER_LOCALE = 30
SEED = 15

FIRST = ["anna", "jan", "maria", "li", "olga", "pierre", "sofia", "kenji", "lucas", "emma", "noah", "ines",
         "marco", "fatima", "sven", "chloe", "diego", "yuki", "ivan", "lea"]
LAST = ["schmidt", "martin", "rossi", "garcia", "tanaka", "ivanova", "jansen", "smith", "dubois", "kowalski",
        "nguyen", "murphy", "silva", "berg", "novak", "wright", "moreau", "bauer", "lopez", "sato"]
COMPANIES = ["acme", "nordlicht", "bluefin", "harbourworks", "cafe-central", "stadtwerke-nord", "mailhost",
             "kanso", "orbita", "tecnoval"]
TLDS = ["com", "org", "net", "de", "co.uk", "fr", "es", "it", "nl", "io", "info", "eu", "photography",
        "berlin", "ch", "at", "jp", "ru", "com.au", "email"]
IDN_DOMAINS = ["bücher.de", "münchen.de", "exämple.com", "пример.рф", "例え.jp", "xn--bcher-kva.de",
               "straße.de", "café-paris.fr", "почта.рф"]

LOCALES: dict[str, dict] = {
    "en-US": {
        "host": "www.example.com", "lang": "en", "region": "US",
        "filler": [
            "The store is open Monday through Saturday.", "Our team has grown a lot over the past years.",
            "Read the full story in our newsletter.", "We ship to most countries in Europe and North America.",
            "The committee meets every second week.", "Thanks to everyone who joined the workshop.",
            "Tickets are available at the entrance.", "The library closes early on public holidays.",
        ],
        "email": ["Write to {} for details.", "Contact: {}", "Questions? Email {}.", "Send your résumé to {}",
                  "E-mail: {}", "— Jane ({})", "Reply to <{}> before Friday."],
        "phone": ["Call us on {}.", "Phone: {}", "Tel. {}", "Mobile: {}", "Fax: {}",
                  "Our hotline {} is open daily.", "Questions? Call {} or write to us.", "(Phone/Fax: {})",
                  "T: {} | Opening hours 9:00–17:00", "☎ {}"],
        "intl": ["Our London desk: {}.", "Reach the Berlin team at {}.", "International callers: {}"],
        "ip": ["Login from {} was blocked.", "The request came from {} at night.", "Client IP: {}",
               "{} - - [12/May/2024:10:30:00 +0000] \"GET / HTTP/1.1\" 200 512", "Traffic from {} (3 times).",
               "Admin panel at http://{}/admin was open.", "Peer {}:51413 connected."],
        "card": ["Card number: {}", "Paid with {}.", "Visa {} expires 12/27.", "Card on file: {}.",
                 "Card {} 12/27 CVV on request."],
        "iban": ["IBAN: {}", "Please transfer the fee to {}.", "Bank account {} (BIC DEUTDEFF)."],
        "ssn": ["SSN: {}", "Social Security Number {}", "Employee record: J. Smith, {}, Springfield.",
                "The applicant's SSN {} was on the form."],
        "look": {
            "date": "Published on {}.", "time": "Doors open at {}.", "version": "Release {} is out.",
            "price": "Price: {}.", "isbn": "ISBN {}", "order": "Your order {} has shipped.",
            "coord": "The site lies at {}.", "ref": "Reference {}.", "year": "Founded in {}.",
            "percent": "{} of readers agreed.", "misc": "Call before {} to book.",
        },
    },
    "en-GB": {
        "host": "www.example.co.uk", "lang": "en", "region": "GB",
        "filler": [
            "The shop is open from Monday to Saturday.", "Our volunteers cleaned the park last weekend.",
            "The council approved the new cycle lanes.", "Parking is free after six in the evening.",
            "The museum reopens after a long renovation.", "Please bring a packed lunch.",
        ],
        "email": ["Email {} to book.", "Enquiries: {}", "Write to the secretary at {}."],
        "phone": ["Telephone {}.", "Tel: {}", "Ring us on {}.", "Mobile {}", "Phone the office on {}."],
        "intl": ["From abroad dial {}.", "Head office: {}."],
        "ip": ["Access from {} was logged.", "Suspicious sign-in from {}."],
        "card": ["Card ending … full number {} was charged.", "Payment card {}."],
        "iban": ["Pay by bank transfer to {}.", "IBAN {}"],
        "ssn": ["US employees: SSN {}.", "Social Security No. {}"],
        "look": {
            "date": "Updated {}.", "time": "Kick-off at {}.", "version": "Firmware {} fixes the bug.",
            "price": "Tickets cost {}.", "isbn": "ISBN: {}", "order": "Order number {}.",
            "coord": "Grid reference {}.", "ref": "Case {}.", "year": "Since {}.",
            "percent": "Turnout was {}.", "misc": "Item {}.",
        },
    },
    "de": {
        "host": "www.beispiel.de", "lang": "de", "region": "DE",
        "filler": [
            "Das Geschäft ist von Montag bis Samstag geöffnet.", "Unser Team ist in den letzten Jahren gewachsen.",
            "Die Bibliothek schließt an Feiertagen früher.", "Wir liefern in alle Länder der EU.",
            "Der Verein trifft sich jeden zweiten Dienstag.", "Vielen Dank an alle Helferinnen und Helfer.",
        ],
        "email": ["Schreiben Sie an {}.", "E-Mail: {}", "Kontakt: {}", "Bewerbungen bitte an {}.",
                  "Newsletter abbestellen: https://www.beispiel.de/abmelden?mail={}"],
        "phone": ["Telefon: {}", "Tel. {}", "Fax {}", "Mobil: {}", "Rufen Sie uns an: Telefon {}",
                  "Handy {}", "Tel./Fax {}", "Telefonisch erreichbar unter {}"],
        "intl": ["Aus dem Ausland: {}", "Zentrale {}"],
        "ip": ["Zugriff von {} wurde gesperrt.", "Die Anfrage kam von {}."],
        "card": ["Kreditkarte: {}", "Bezahlt mit Karte {}."],
        "iban": ["IBAN: {}", "Bitte überweisen Sie auf {}.", "Bankverbindung {} (Sparkasse)."],
        "ssn": ["US-Sozialversicherungsnummer (SSN) {}", "SSN: {}"],
        "look": {
            "date": "Stand: {}.", "time": "Beginn um {}.", "version": "Version {} ist erschienen.",
            "price": "Preis: {}.", "isbn": "ISBN {}", "order": "Bestellnummer {}.",
            "coord": "Koordinaten: {}.", "ref": "Aktenzeichen {}.", "year": "Gegründet {}.",
            "percent": "{} der Befragten stimmten zu.", "misc": "Telefonsprechstunde: siehe {}.",
        },
    },
    "fr": {
        "host": "www.exemple.fr", "lang": "fr", "region": "FR",
        "filler": [
            "La boutique est ouverte du lundi au samedi.", "Notre équipe a beaucoup grandi ces dernières années.",
            "La médiathèque ferme plus tôt les jours fériés.", "Merci à toutes et à tous pour votre participation.",
            "Le marché a lieu chaque dimanche matin.", "Les inscriptions sont ouvertes.",
        ],
        "email": ["Écrivez à {}.", "Courriel : {}", "Contact : {}"],
        "phone": ["Tél. : {}", "Téléphone : {}", "Portable : {}", "Fax : {}", "Appelez-nous au téléphone {}"],
        "intl": ["Depuis l'étranger : {}", "Siège : {}"],
        "ip": ["Connexion depuis {} refusée.", "Adresse IP : {}"],
        "card": ["Carte bancaire : {}", "Payé avec la carte {}."],
        "iban": ["IBAN : {}", "Virement sur le compte {}."],
        "ssn": ["Numéro SSN américain : {}"],
        "look": {
            "date": "Mis à jour le {}.", "time": "Rendez-vous à {}.", "version": "La version {} est disponible.",
            "price": "Prix : {}.", "isbn": "ISBN {}", "order": "Commande n° {}.",
            "coord": "Coordonnées : {}.", "ref": "Référence {}.", "year": "Depuis {}.",
            "percent": "{} des votants.", "misc": "Voir {}.",
        },
    },
    "es": {
        "host": "www.ejemplo.es", "lang": "es", "region": "ES",
        "filler": [
            "La tienda abre de lunes a sábado.", "Nuestro equipo ha crecido mucho en los últimos años.",
            "La biblioteca cierra antes los días festivos.", "Gracias a todos por participar.",
        ],
        "email": ["Escríbenos a {}.", "Correo: {}", "Contacto: {}"],
        "phone": ["Teléfono: {}", "Tel. {}", "Móvil: {}", "Llámanos al teléfono {}"],
        "intl": ["Desde el extranjero: {}"],
        "ip": ["Acceso desde {} bloqueado.", "Dirección IP: {}"],
        "card": ["Tarjeta: {}", "Pagado con la tarjeta {}."],
        "iban": ["IBAN: {}", "Transferencia a la cuenta {}."],
        "ssn": ["SSN (EE. UU.): {}"],
        "look": {
            "date": "Actualizado el {}.", "time": "Empieza a las {}.", "version": "Versión {} disponible.",
            "price": "Precio: {}.", "isbn": "ISBN {}", "order": "Pedido {}.",
            "coord": "Coordenadas: {}.", "ref": "Referencia {}.", "year": "Desde {}.",
            "percent": "{} de los encuestados.", "misc": "Véase {}.",
        },
    },
    "it": {
        "host": "www.esempio.it", "lang": "it", "region": "IT",
        "filler": [
            "Il negozio è aperto dal lunedì al sabato.", "La biblioteca chiude prima nei giorni festivi.",
            "Grazie a tutti per la partecipazione.", "Il mercato si tiene ogni domenica mattina.",
        ],
        "email": ["Scrivete a {}.", "E-mail: {}", "Contatti: {}"],
        "phone": ["Tel. {}", "Telefono: {}", "Cellulare: {}", "Fax {}"],
        "intl": ["Dall'estero: {}"],
        "ip": ["Accesso da {} bloccato.", "Indirizzo IP: {}"],
        "card": ["Carta di credito: {}"],
        "iban": ["IBAN: {}", "Bonifico sul conto {}."],
        "ssn": ["SSN statunitense: {}"],
        "look": {
            "date": "Aggiornato il {}.", "time": "Inizio alle {}.", "version": "Versione {} disponibile.",
            "price": "Prezzo: {}.", "isbn": "ISBN {}", "order": "Ordine n. {}.",
            "coord": "Coordinate: {}.", "ref": "Protocollo {}.", "year": "Dal {}.",
            "percent": "{} dei votanti.", "misc": "Vedi {}.",
        },
    },
    "nl": {
        "host": "www.voorbeeld.nl", "lang": "nl", "region": "NL",
        "filler": [
            "De winkel is open van maandag tot en met zaterdag.", "De bibliotheek sluit eerder op feestdagen.",
            "Bedankt aan iedereen die meedeed.", "De markt is elke zondagochtend.",
        ],
        "email": ["Mail naar {}.", "E-mail: {}"],
        "phone": ["Telefoon: {}", "Tel. {}", "Mobiel nummer: tel {}", "Fax {}"],
        "intl": ["Vanuit het buitenland: {}"],
        "ip": ["Toegang vanaf {} geblokkeerd.", "IP-adres: {}"],
        "card": ["Creditcard: {}"],
        "iban": ["IBAN: {}", "Maak het bedrag over naar {}."],
        "ssn": ["Amerikaans SSN: {}"],
        "look": {
            "date": "Bijgewerkt op {}.", "time": "Aanvang {}.", "version": "Versie {} is uit.",
            "price": "Prijs: {}.", "isbn": "ISBN {}", "order": "Bestelnummer {}.",
            "coord": "Coördinaten: {}.", "ref": "Kenmerk {}.", "year": "Sinds {}.",
            "percent": "{} van de stemmers.", "misc": "Zie {}.",
        },
    },
    "ja": {
        "host": "www.rei.jp", "lang": "ja", "region": "JP",
        "filler": [
            "店舗は月曜日から土曜日まで営業しています。", "図書館は祝日には早く閉まります。",
            "ご参加いただいた皆様に感謝いたします。", "詳しくはニュースレターをご覧ください。",
        ],
        "email": ["メール：{}", "お問い合わせは {} まで。"],
        "phone": ["電話：{}", "電話番号 {}", "TEL {}", "FAX：{}"],
        "intl": ["海外から：{}"],
        "ip": ["{} からのアクセスを遮断しました。", "IPアドレス：{}"],
        "card": ["カード番号：{}"],
        "iban": ["IBAN：{}"],
        "ssn": ["米国SSN：{}"],
        "look": {
            "date": "更新日：{}", "time": "開始 {}", "version": "バージョン {} を公開しました。",
            "price": "価格：{}", "isbn": "ISBN {}", "order": "注文番号 {}",
            "coord": "座標：{}", "ref": "整理番号 {}", "year": "{}年創業",
            "percent": "回答者の{}", "misc": "{} を参照。",
        },
    },
    "ru": {
        "host": "www.primer.ru", "lang": "ru", "region": "RU",
        "filler": [
            "Магазин открыт с понедельника по субботу.", "Библиотека закрывается раньше в праздники.",
            "Спасибо всем участникам.", "Рынок работает каждое воскресенье.",
        ],
        "email": ["Пишите на {}.", "Эл. почта: {}"],
        "phone": ["Тел.: {}", "Телефон: {}", "Факс {}", "Моб. тел. {}"],
        "intl": ["Из-за рубежа: {}"],
        "ip": ["Доступ с {} заблокирован.", "IP-адрес: {}"],
        "card": ["Номер карты: {}"],
        "iban": ["IBAN: {}"],
        "ssn": ["SSN (США): {}"],
        "look": {
            "date": "Обновлено {}.", "time": "Начало в {}.", "version": "Вышла версия {}.",
            "price": "Цена: {}.", "isbn": "ISBN {}", "order": "Заказ № {}.",
            "coord": "Координаты: {}.", "ref": "Номер дела {}.", "year": "С {} года.",
            "percent": "{} опрошенных.", "misc": "См. {}.",
        },
    },
}


# --- Personal data ----------------------------------------------------------------------


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}", f"{first}_{last}",
                        f"{first}+news", f"{last}-{first}", "info", "kontakt", "jose.garcía"[: rng.choice([4, 11])]])
    domain = rng.choice(IDN_DOMAINS) if rng.random() < 0.15 else f"{rng.choice(COMPANIES)}.{rng.choice(TLDS)}"
    if rng.random() < 0.2:
        domain = f"mail.{domain}"
    address = f"{local}@{domain}"
    if rng.random() < 0.1:
        address = address.upper()
    form = rng.random()
    if form < 0.1:
        return f"mailto:{address}"
    if form < 0.15:
        return f"mailto:{address}?subject=Hello"
    if form < 0.22 and domain.isascii():
        user, host = address.split("@")
        dot = rng.choice([" [dot] ", "[dot]", " (dot) "])
        at = rng.choice([" [at] ", "(at)", " [@] ", " (at) "])
        return user + at + host.replace(".", dot)
    return address


def phone(rng: random.Random, region: str, international: bool) -> str:
    kind = rng.choice([NumberType.FIXED_LINE, NumberType.MOBILE])
    example = phonenumbers.example_number_for_type(region, kind)
    national = phonenumbers.national_significant_number(example)
    for attempt in range(400):  # random digits after the area or mobile prefix, fewer if need be
        free = max(4, len(national) - 3) if attempt < 200 else 4
        digits = national[:-free] + "".join(rng.choice(string.digits) for _ in range(free))
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            break
    if international:
        form = rng.random()
        if form < 0.15:
            return phonenumbers.format_number(number, Format.E164)
        if form < 0.25:
            return phonenumbers.format_number(number, Format.RFC3966)
        text = phonenumbers.format_number(number, Format.INTERNATIONAL)
        if region == "DE" and form < 0.45:
            code, rest = text[4:].split(" ", 1)
            return rng.choice([f"+49 (0){code} {rest}", f"(+49) {code} {rest}", f"0049 {code} {rest}"])
        return text
    text = phonenumbers.format_number(number, Format.NATIONAL)
    variant = rng.random()
    if region == "US" and variant < 0.4:
        area, exchange, line = re.findall(r"\d+", text)
        return rng.choice([f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}", f"1-{area}-{exchange}-{line}"])
    if region == "DE" and variant < 0.4:
        code, rest = text.split(" ", 1)
        return rng.choice([f"{code}/{rest}", f"({code}) {rest}", f"{code} / {rest}", f"{code}-{rest}"])
    if region == "FR" and variant < 0.3:
        return text.replace(" ", ".")
    return text


def ipv4(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global and not address.is_multicast and len(str(address)) > 7:
            return str(address)


def ipv6(rng: random.Random) -> str:
    while True:
        value = (rng.randint(0x2400, 0x2c0f) << 112) | rng.getrandbits(112)
        if rng.random() < 0.5:  # a run of zero groups, written `::`
            value &= ~(((1 << 48) - 1) << 16)
        address = ipaddress.IPv6Address(value)
        if address.is_global:
            return address.exploded if rng.random() < 0.2 else address.compressed


def card(rng: random.Random) -> str:
    prefix, length, grouping = rng.choice([
        ("4", 16, "4444"), ("4", 19, "44443"), ("51", 16, "4444"), ("55", 16, "4444"), ("2221", 16, "4444"),
        ("2720", 16, "4444"), ("34", 15, "465"), ("37", 15, "465"), ("6011", 16, "4444"), ("65", 16, "4444"),
        ("3530", 16, "4444"), ("36", 14, "464"), ("62", 16, "4444"), ("6759", 16, "4444"),
    ])
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    number = body + luhn.calc_check_digit(body)
    separator = rng.choice(["", " ", " ", "-"])
    if not separator:
        return number
    parts, position = [], 0
    for size in grouping:
        parts.append(number[position : position + int(size)])
        position += int(size)
    return separator.join(parts)


_BBAN = {country: info["bban"] for _, country, _, info, _ in numdb.get("iban").prefixes if "bban" in info}
IBAN_COUNTRIES = ["DE", "GB", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "PL", "SE", "DK", "NO", "FI", "PT",
                  "IE", "LU", "CZ", "GR", "HU"]


def iban(rng: random.Random, spaced: bool | None = None) -> str:
    while True:
        country = rng.choice(IBAN_COUNTRIES)
        bban = ""
        for count, kind in re.findall(r"(\d+)!([nac])", _BBAN[country]):
            alphabet = {"n": string.digits, "a": string.ascii_uppercase,
                        "c": string.digits * 19 + string.ascii_uppercase[:10]}[kind]  # mostly digits, as in use
            bban += "".join(rng.choice(alphabet) for _ in range(int(count)))
        number = country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban
        if stdnum_iban.is_valid(number):
            break
    if spaced if spaced is not None else rng.random() < 0.7:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


_SSN_CUE = re.compile(r"(?i)(?:ssn|social security(?: number| no\.?)?)\W{0,3}$")


def ssn(rng: random.Random, cued: bool) -> str:
    while True:
        area = rng.randint(1, 899)
        number = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if stdnum_ssn.is_valid(number):
            break
    if cued and rng.random() < 0.4:
        return number.replace("-", rng.choice([" ", ""]))
    return number


# --- Look-alikes ---------------------------------------------------------------------------


def a_date(rng: random.Random) -> str:
    day = date(2000, 1, 1) + timedelta(days=rng.randint(0, 9000))
    return rng.choice([day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%m/%d/%Y"),
                       day.strftime("%d/%m/%y"), day.strftime("%d-%m-%Y"), day.strftime("%B %d, %Y"),
                       day.strftime("%Y%m%d"), f"{day.isoformat()}T{rng.randint(0, 23):02d}:30:00Z",
                       f"{day.isoformat()} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                       f"{day.year}年{day.month}月{day.day}日"])


def a_time(rng: random.Random) -> str:
    hour, minute = rng.randint(0, 23), rng.choice([0, 15, 30, 45])
    return rng.choice([f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}:{rng.randint(0, 59):02d}",
                       f"{hour}.{minute:02d} Uhr", f"{hour}h{minute:02d}", f"{hour}:{minute:02d}–{hour + 1}:00"])


def a_version(rng: random.Random) -> str:
    n = lambda: rng.randint(0, 20)  # noqa: E731
    return rng.choice([f"v{n()}.{n()}.{n()}", f"{n()}.{n()}.{n()}.{n()}", f"10.0.{rng.randint(10000, 22999)}.{n()}",
                       f"{rng.randint(1, 3)}.{n()}.{n()}", f"v{n()}.{n()}.{n()}.{n()}", f"{n()}.{n()}.{n()}-rc{n()}"])


def a_price(rng: random.Random) -> str:
    amount = rng.randint(1, 2_000_000) / 100
    return rng.choice([f"${amount:,.2f}", f"{amount:,.2f} €".replace(",", " ").replace(".", ",").replace(" ", "."),
                       f"€ {amount:.2f}".replace(".", ","), f"£{int(amount):,}", f"¥{int(amount) * 100:,}",
                       f"CHF {int(amount)}.–", f"{int(amount):,} ₽".replace(",", " "), f"USD {amount:,.2f}"])


def isbn13(rng: random.Random) -> str:
    body = "978" + "".join(rng.choice(string.digits) for _ in range(9))
    check = (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body)) % 10) % 10
    number = body + str(check)
    if rng.random() < 0.5:
        return number
    return f"{number[:3]}-{number[3]}-{number[4:7]}-{number[7:12]}-{number[12]}"


def an_isbn(rng: random.Random) -> str:
    if rng.random() < 0.3:
        body = "".join(rng.choice(string.digits) for _ in range(9))
        check = sum((10 - i) * int(d) for i, d in enumerate(body)) % 11
        check = (11 - check) % 11
        digit = "X" if check == 10 else str(check)
        return f"{body[0]}-{body[1:4]}-{body[4:9]}-{digit}"
    return isbn13(rng)


def an_order(rng: random.Random) -> str:
    d = lambda k: "".join(rng.choice(string.digits) for _ in range(k))  # noqa: E731
    return rng.choice([f"#{d(3)}-{d(7)}", f"{d(3)}-{d(7)}-{d(7)}", f"INV-2024-{d(6)}", f"SO-{d(5)}-{d(2)}",
                       f"2024-{d(7)}", f"1Z{d(3)}AA{d(10)}", f"{d(4)} {d(4)} {d(4)} {d(4)} {d(4)} {d(2)}",
                       f"JJD{d(16)}", f"{d(12)}", f"{d(13)}", f"A{d(9)}"])


def a_coordinate(rng: random.Random) -> str:
    lat, lon = rng.uniform(-80, 80), rng.uniform(-179, 179)
    return rng.choice([f"{lat:.4f}, {lon:.4f}", f"{abs(lat):.4f}° N, {abs(lon):.4f}° E", f"{lat:.6f} {lon:.6f}",
                       f"{lat:.5f},{lon:.5f}"])


def a_reference(rng: random.Random) -> str:
    """16-digit numbers that fail Luhn (many with a card's first digits),
    timestamps, UUIDs, hashes, postcodes, page ranges, big counts."""
    form = rng.random()
    if form < 0.45:
        while True:
            number = rng.choice(["4", "5", "37", "6011", ""]) + "".join(rng.choice(string.digits) for _ in range(16))
            number = number[:16]
            if not luhn.is_valid(number):
                break
        return rng.choice([number, " ".join(number[i : i + 4] for i in range(0, 16, 4))])
    d = lambda k: "".join(rng.choice(string.digits) for _ in range(k))  # noqa: E731
    return rng.choice([f"{rng.randint(1_000_000_000, 1_800_000_000)}", "550e8400-e29b-41d4-a716-446655440000",
                       f"{rng.getrandbits(128):032x}", f"{d(5)}-{d(4)}", f"pp. {rng.randint(1, 300)}-{rng.randint(301, 600)}",
                       f"{rng.randint(1, 9)} {d(3)} {d(3)}", f"{rng.randint(1, 999):,},{d(3)}"])


def a_lookalike_address(rng: random.Random) -> str:
    """Numbers and words that look like addresses of the redacted types."""
    form = rng.random()
    if form < 0.3:
        return rng.choice(["192.168.1.1", "10.0.0.138", "172.16.5.4", "127.0.0.1", "203.0.113.5", "198.51.100.7",
                           "192.0.2.44", "0.0.0.0", "255.255.255.0", "224.0.0.251"])
    if form < 0.5:
        return rng.choice(["std::vector", "a::b", "fe80::1", "::1", "2001:db8::8a2e:370:7334", "00:1A:2B:3C:4D:5E",
                           "12:30:45", "dead::beef", "ff02::1", "fd12:3456:789a::1"])
    if form < 0.7:
        return rng.choice(["icon@2x.png", "logo@3x.webp", "lodash@4.17.21", "@media", "@jane_doe", "user@localhost",
                           "@scope/pkg", "clip@2x.mov", "name@host", "@property"])
    if form < 0.85:
        valid = iban(rng, spaced=rng.random() < 0.5)
        last = valid[-1]
        return valid[:-1] + str((int(last) + 1) % 10 if last.isdigit() else 0)
    return rng.choice(["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "321-54-0000", "123456789",
                       "ISO 9001:2015", "DIN 5008", "+12.5%", "+1,234", "EAN 4006381333931", "05 12 2024",
                       "0-306-40615-2", "+3 °C", "1 000 000"])


LOOKALIKES: dict[str, Callable[[random.Random], str]] = {
    "date": a_date, "time": a_time, "version": a_version, "price": a_price, "isbn": an_isbn,
    "order": an_order, "coord": a_coordinate, "ref": a_reference,
    "year": lambda rng: str(rng.randint(1850, 2030)) if rng.random() < 0.7 else f"{rng.randint(1950, 2000)}–{rng.randint(2001, 2030)}",
    "percent": lambda rng: rng.choice([f"{rng.randint(1, 999) / 10}%", f"{rng.randint(1, 99)},{rng.randint(0, 9)} %"]),
    "misc": a_lookalike_address,
}


def personal_value(rng: random.Random, item: str, region: str, template: str) -> str:
    if item == "email":
        return email(rng)
    if item == "phone":
        return phone(rng, region, international=False)
    if item == "intl":
        return phone(rng, rng.choice(["US", "GB", "DE", "FR", "IT", "ES", "JP", "NL", "CH", "AU"]), international=True)
    if item == "ip":
        return ipv4(rng)
    if item == "ip6":
        return ipv6(rng)
    if item == "card":
        return card(rng)
    if item == "iban":
        return iban(rng)
    return ssn(rng, cued=bool(_SSN_CUE.search(template.split("{}")[0])))


# --- Pages -----------------------------------------------------------------------------------


def page(rng: random.Random, locale: dict) -> dict:
    parts: list[str] = []
    pii: list[list] = []
    lookalikes: list[list] = []
    length = 0

    def add(sentence: str, value: str | None = None, label: list | None = None, target: list | None = None) -> None:
        nonlocal length
        if parts:
            separator = "\n" if rng.random() < 0.3 else " "
            parts.append(separator)
            length += len(separator)
        if value is not None and target is not None and label is not None:
            start = length + sentence.index("{}")
            target.append([start, start + len(value), *label])
            sentence = sentence.replace("{}", value)
        parts.append(sentence)
        length += len(sentence)

    kinds = ["email", "phone", "intl", "ip", "ip6", "card", "iban", "ssn"]
    items = [rng.choice(kinds) for _ in range(8)] + ["look"] * 10 + ["filler"] * 12
    rng.shuffle(items)
    for item in items:
        if item == "filler":
            add(rng.choice(locale["filler"]))
        elif item == "look":
            category = rng.choice(list(LOOKALIKES))
            add(locale["look"][category], LOOKALIKES[category](rng), [category], lookalikes)
        else:
            template_kind = "ip" if item == "ip6" else item
            template = rng.choice(locale[template_kind])
            value = personal_value(rng, item, locale["region"], template)
            if value.startswith("tel:"):  # the scheme is no part of the number
                template, value = template.replace("{}", "tel:{}"), value[4:]
            kind = {"intl": "phone", "ip6": "ip"}.get(item, item)
            add(template, value, [kind], pii)
    return {"host": locale["host"], "lang": locale["lang"], "text": "".join(parts), "pii": pii,
            "lookalikes": lookalikes}


def main() -> None:
    rng = random.Random(SEED)
    with OUT.open("w", encoding="utf-8") as out:
        for locale in LOCALES.values():
            for _ in range(PAGES_PER_LOCALE):
                out.write(json.dumps(page(rng, locale), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
