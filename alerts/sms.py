"""Short messages that fit one SMS: 160 characters of the GSM 03.38 alphabet (GSM-7).

One character outside GSM-7 switches a whole SMS to UCS-2, where the limit is 70,
so a page about ``Zürich-Süd`` with an en dash would silently become three concatenated parts
(or be cut by the gateway). The short form is therefore written in GSM-7 only:
accented letters lose their accent where GSM-7 lacks them, dashes and quotes
become their ASCII forms, anything else becomes ``?``. The extension characters
(``^{}\\[~]|€`` and form feed) take two septets each and are counted so.
Text that is too long is cut at a word boundary and ends with ``...``.
"""

from __future__ import annotations

import unicodedata

SMS_LIMIT = 160
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
_LOOKALIKES = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",  # dashes, minus
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "`": "'",  # single quotes
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',  # double quotes
    "\u2026": "...",
    "\t": " ",
    "\u00a0": " ",
    "\u2022": "*",
    "\u1e9e": "SS",
}
ELLIPSIS = "..."


def gsm7_length(text: str) -> int:
    """Septets ``text`` takes in GSM-7 (extension characters count 2); it must be GSM-7 already."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def to_gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: lookalikes, accents dropped where needed, else ``?``."""
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        elif char in _LOOKALIKES:
            out.append(_LOOKALIKES[char])
        else:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(bare if bare and all(c in GSM7_BASIC for c in bare) else "?")
    return "".join(out)


def fit_sms(text: str, limit: int = SMS_LIMIT) -> str:
    """``text`` as GSM-7 in at most ``limit`` septets, cut at a word boundary with ``...``."""
    text = " ".join(to_gsm7(text).split())  # one line, single spaces
    if gsm7_length(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    used = 0
    cut = 0
    for index, char in enumerate(text):
        used += 2 if char in GSM7_EXTENSION else 1
        if used > budget:
            break
        cut = index + 1
    head = text[:cut]
    space = head.rfind(" ")
    if space >= budget * 2 // 3:  # a word boundary not too far back
        head = head[:space]
    return head.rstrip(" ,;:-") + ELLIPSIS
