"""Money: reading amounts the way CRMs export them, and saying them for people.

One module, used everywhere an amount is read or shown:

* :func:`parse_amount` reads ``"2400000"``, ``"2400000 USD"``, ``"USD 2,400,000"``,
  ``"$2,400,000"``, ``"2.4M"``, ``"€2.4m"``, ``"2 400 000 EUR"``, ``"250k"`` into
  ``(value, currency)``; the currency is an ISO 4217 code, or None when the text
  names none (a bare ``$`` or ``¥`` is shared by several currencies, so it names
  none: the deal's or the configured currency applies).
* :func:`parse_currency` checks an ISO 4217 code (any case in, upper case out).
* :func:`format_amount` says an amount for people: ``"USD 2.4 million"``,
  ``"2.4 million"``, ``"EUR 240,000"``, ``"950"``, ``"12.50"``.

Pure functions, no locale, no I/O: the same text reads the same everywhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

# Active ISO 4217 currency codes (the list maintained by SIX), without the
# codes that mean "no currency" (XXX) or "testing" (XTS).
_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV
    BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE
    CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
    HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV
    MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG
    XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG
"""
ISO_4217: frozenset[str] = frozenset(_CODES.split())

# Symbols that name exactly one currency. "$", "¥" and "kr" are shared by
# several, so they name none (see :func:`parse_amount`).
SYMBOLS: Mapping[str, str | None] = {
    "US$": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "SG$": "SGD",
    "R$": "BRL",
    "MX$": "MXN",
    "CN¥": "CNY",
    "JP¥": "JPY",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "₩": "KRW",
    "₪": "ILS",
    "₽": "RUB",
    "₺": "TRY",
    "₫": "VND",
    "₴": "UAH",
    "₦": "NGN",
    "฿": "THB",
    "₱": "PHP",
    "zł": "PLN",
    "$": None,
    "¥": None,
}

# Scale words and their multipliers ("2.4M", "250k", "1.2 bn", "3 million").
SCALES: Mapping[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "billion": 1e9,
    "billions": 1e9,
}

_SYMBOL = "|".join(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True))
_CURRENCY = rf"(?:{_SYMBOL}|[A-Za-z]{{3}}(?![A-Za-z]))"
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"""
    (?P<pre>{_CURRENCY})?\s*
    (?P<sign>[-−])?\s*
    (?P<number>\d[\d.,'’\s]*?)\s*
    (?:(?P<scale>{_SCALE})(?![A-Za-z]))?\s*
    (?P<post>{_CURRENCY})?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_SPACES = re.compile(r"[\s'’]")


def parse_currency(code: str) -> str:
    """An ISO 4217 currency code, upper case; ValueError for anything else."""
    cleaned = code.strip().upper()
    if cleaned not in ISO_4217:
        shown = code.strip()[:20]
        raise ValueError(f"not an ISO 4217 currency code such as USD, EUR or GBP (got {shown!r})")
    return cleaned


def _currency_of(token: str | None) -> str | None:
    """The ISO code a written code or symbol names, if it names one."""
    if token is None:
        return None
    for spelling in (token, token.upper()):
        if spelling in SYMBOLS:
            return SYMBOLS[spelling]
    return parse_currency(token)


def _number(text: str) -> float:
    """Digits with thousands separators (``,`` ``.`` space ``'``) and at most one
    decimal separator. A lone ``,`` before exactly three digits groups thousands
    (``2,400``); otherwise it is a decimal comma (``2,5``). A lone ``.`` is a
    decimal point; two or more group thousands (``2.400.000``)."""
    compact = text.strip()
    spaced = bool(_SPACES.search(compact))
    commas, dots = compact.count(","), compact.count(".")
    if commas and dots:
        decimal = "," if compact.rfind(",") > compact.rfind(".") else "."
    elif commas == 1 and not re.search(r",\d{3}$", compact):
        decimal = ","
    elif dots == 1:
        decimal = "."
    else:
        decimal = None
    whole, _, fraction = compact.rpartition(decimal) if decimal else (compact, "", "")
    if decimal and (not whole or not fraction.isdigit()):
        raise ValueError
    groups = re.split(r"[.,\s'’]+", whole)
    grouped = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    if (len(groups) > 1 or spaced) and not grouped:
        raise ValueError
    if not all(g.isdigit() for g in groups):
        raise ValueError
    return float("".join(groups) + ("." + fraction if fraction else ""))


@functools.lru_cache(maxsize=4096)  # a deal's amount is read twice (value, currency)
def parse_amount(text: str) -> tuple[float, str | None]:
    """``(value, currency)`` from an amount as a CRM exports it.

    ``"2400000"`` -> ``(2400000.0, None)``; ``"2400000 USD"``, ``"USD 2,400,000"``,
    ``"US$2.4M"`` -> ``(2400000.0, "USD")``; ``"$2,400,000"`` -> ``(2400000.0, None)``
    (``$`` alone does not say which dollar); ``"€2,5 Mio"`` -> ``(2500000.0, "EUR")``.
    Raises ValueError with a message for people on blank text, a negative amount,
    an unknown currency code, two different currencies, or anything else.
    """
    shown = " ".join(str(text).split())[:40]
    found = _AMOUNT.fullmatch(str(text).strip())
    if not shown or found is None:
        raise ValueError(
            f"not an amount: write e.g. 2400000, 2,400,000 USD or $2.4M (got {shown!r})"
            if shown
            else "the amount is blank"
        )
    if found["sign"]:
        raise ValueError(f"an amount cannot be negative (got {shown!r})")
    pre, post = _currency_of(found["pre"]), _currency_of(found["post"])
    if pre and post and pre != post:
        raise ValueError(f"two currencies in one amount, {pre} and {post} (got {shown!r})")
    try:
        number = _number(found["number"])
    except ValueError:
        raise ValueError(
            f"cannot read the number: write e.g. 2400000, 2,400,000 or 2.4M (got {shown!r})"
        ) from None
    scale = SCALES[found["scale"].lower()] if found["scale"] else 1.0
    return round(number * scale, 2), pre or post


def _plain(value: float) -> str:
    """``2400`` -> ``2,400``; ``12.5`` -> ``12.50``; ``12.001`` -> ``12``."""
    cents = round(float(value), 2)
    return f"{cents:,.0f}" if cents.is_integer() else f"{cents:,.2f}"


_UNITS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def amount_words(value: float) -> str:
    """An amount for people, without currency: ``2.4 million``, ``1.25 billion``,
    ``240,000``, ``2,400``, ``950``, ``12.50``. From a million up, the largest unit
    in which it is at least 1, to two decimals at most (``1,234,567`` -> ``1.23
    million``; ``999,999,999`` -> ``1 billion``); below that every unit is kept,
    with cents only when there are some."""
    if value < 0:
        return "-" + amount_words(-value)
    for size, word in _UNITS:
        figure = round(value / size, 2)
        if figure >= 1:
            return f"{f'{figure:,.2f}'.rstrip('0').rstrip('.')} {word}"
    return _plain(value)


def format_amount(value: float, currency: str | None = None) -> str:
    """``USD 2.4 million``; ``2.4 million`` without a currency; ``EUR 240,000``."""
    words = amount_words(value)
    return f"{currency} {words}" if currency else words
