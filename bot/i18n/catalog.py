"""The message catalog: every text a person reads, in English and Korean.

Keys are dotted names; values are `str.format` templates. `tests/test_messages.py` checks that both
languages have the same keys and the same placeholders.
"""

from __future__ import annotations

from typing import Any

from bot.i18n.en import EN
from bot.i18n.ko import KO

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "ko": KO}


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

    def __call__(self, key: str, **params: Any) -> str:
        return self._texts[key].format(**params) if params else self._texts[key]
