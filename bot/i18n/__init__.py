"""The message catalog: every text a person reads, in English (`en.py`) and Korean (`ko.py`)."""

from bot.i18n.catalog import CATALOGS, Catalog

__all__ = ["CATALOGS", "Catalog"]
