"""The English edition of the shipped policy (`default.en.yml`), made from `default.yml` with the English
texts of `example.en.yml`: the same rules, only the checklist, reminder and maintenance texts translated
(comments quoting the Korean seeds stay as they are).

`python -m bot.policy.english` writes it again after default.yml changed; tests/test_first_run.py checks
that the file in the tree is what this makes.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import yaml

_HANGUL = re.compile("[\uac00-\ud7a3]")
_HEADER = ("# Firebell's shipped policy, English edition (FIREBELL_LOCALE=en): the seeds' operations manuals as\n"
           "# configuration, with the checklist, reminder and maintenance texts in English (default.yml has the\n"
           "# Korean originals and is used for FIREBELL_LOCALE=ko). Made from default.yml with the texts of\n"
           "# example.en.yml by `python -m bot.policy.english`; do not edit it by hand.")
_COMMENTS = (("(운영 매뉴얼 요약)", "(operations manual summary)"), ("(운영 매뉴얼)", "(operations manual)"),
             ("(장애 대응 정책)", "(incident response policy)"),
             ("# Checklists from the seeds, in their own words (Korean). An English version is in example.en.yml.",
              "# Checklists from the seeds, translated into English (default.yml has the Korean originals)."))


def _pairs(korean: Any, english: Any, path: tuple[Any, ...], found: dict[str, str]) -> None:
    if isinstance(korean, dict):
        for key, value in korean.items():
            if key == "ko":
                continue  # a text given in both languages ({en: …, ko: …}) keeps its Korean
            _pairs(value, english.get(key) if isinstance(english, dict) else None, (*path, key), found)
    elif isinstance(korean, list):
        for index, value in enumerate(korean):
            other = english[index] if isinstance(english, list) and index < len(english) else None
            _pairs(value, other, (*path, index), found)
    elif isinstance(korean, str) and _HANGUL.search(korean):
        if not isinstance(english, str) or _HANGUL.search(english):
            raise ValueError(f"example.en.yml has no English text for {'.'.join(map(str, path))}")
        found[korean] = english


def english_edition(default_text: str, example_en_text: str) -> str:
    found: dict[str, str] = {}
    _pairs(yaml.safe_load(default_text), yaml.safe_load(example_en_text), (), found)
    out = default_text
    for korean, english in sorted(found.items(), key=lambda pair: -len(pair[0])):
        out = out.replace(json.dumps(korean, ensure_ascii=False), json.dumps(english, ensure_ascii=False))
    for korean, english in _COMMENTS:
        out = out.replace(korean, english)
    first, _, rest = out.partition("\n")
    return (_HEADER if first.startswith("# Firebell's shipped policy") else first + "\n" + _HEADER) + "\n" + rest


def _read(name: str) -> str:
    return resources.files("bot.policy").joinpath("shipped").joinpath(name).read_text(encoding="utf-8")


def expected() -> str:
    return english_edition(_read("default.yml"), _read("example.en.yml"))


if __name__ == "__main__":
    target = resources.files("bot.policy").joinpath("shipped").joinpath("default.en.yml")
    with resources.as_file(target) as path:
        path.write_text(expected(), encoding="utf-8")
    print(f"wrote {target}")
