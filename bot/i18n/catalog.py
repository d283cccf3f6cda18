"""The message catalog: every text a person reads, in English and Korean.

Keys are dotted names; values are `str.format` templates. `tests/test_messages.py` checks that both
languages have the same keys and the same placeholders.

Templates are trusted Slack markup. Parameters are not: every parameter is escaped unless it is `Mrkdwn`
(markup built by code, or text escaped already) or a number, so nothing a person typed can mention, link or
broadcast wherever a catalog text is shown. Texts for plain_text fields (headers, labels) use `plain`.
"""

from __future__ import annotations

import importlib
from typing import Any

from bot.i18n.en import EN
from bot.i18n.ko import KO
from bot.slack.text import Mrkdwn, escape

# Domains with many texts keep them in their own module of this package, each with an `EN` and a `KO`
# dict; the core texts are `en.py` and `ko.py`. A key defined twice is a bug, so merging raises.
PARTS: tuple[str, ...] = ("manuals", "alerts", "postmortems", "reports", "firstrun")


def _merged() -> dict[str, dict[str, str]]:
    catalogs = {"en": dict(EN), "ko": dict(KO)}
    for name in PARTS:
        part = importlib.import_module(f"bot.i18n.{name}")
        for locale, texts in (("en", part.EN), ("ko", part.KO)):
            twice = set(texts) & set(catalogs[locale])
            if twice:
                raise ValueError(f"bot.i18n.{name} redefines {sorted(twice)}")
            catalogs[locale].update(texts)
    return catalogs


CATALOGS: dict[str, dict[str, str]] = _merged()


def _safe(value: Any) -> Any:
    """A parameter as mrkdwn: markup and numbers as they are, anything else (str, enums, lists…) escaped."""
    if isinstance(value, Mrkdwn | int | float):
        return value
    return escape(str(value))


class Catalog:
    """Looks texts up in one locale. A missing key is a bug, so it raises."""

    def __init__(self, locale: str = "en") -> None:
        if locale not in CATALOGS:
            raise ValueError(f"unknown locale {locale!r}")
        self.locale = locale
        self._texts = CATALOGS[locale]

    @property
    def keys(self) -> set[str]:
        return set(self._texts)

    def __call__(self, key: str, **params: Any) -> Mrkdwn:
        """The text for mrkdwn (messages, sections, answers): parameters escaped unless Mrkdwn or numbers."""
        if not params:
            return Mrkdwn(self._texts[key])
        return Mrkdwn(self._texts[key].format(**{name: _safe(value) for name, value in params.items()}))

    def plain(self, key: str, **params: Any) -> str:
        """The text for a plain_text field (a header, a label): Slack shows it as it is, so nothing is escaped."""
        return self._texts[key].format(**params) if params else self._texts[key]
