"""The policy file: the operations manual as validated YAML."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from bot.policy.schema import Policy


class PolicyError(Exception):
    """Every problem of a policy file, one per line, each with the path of the bad field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def _path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def parse_policy(text: str, source: str = "policy") -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(source, [f"not valid YAML: {exc}".replace("\n", " ")]) from None
    if not isinstance(data, dict):
        raise PolicyError(source, ["(top level): expected a mapping of policy fields"])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            # Drop pydantic's wrapper names (e.g. "function-after[...]") from the location.
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field"
            elif error["type"] == "missing":
                message = "required field is missing"
            problems.append(f"{_path(loc)}: {message}")
        raise PolicyError(source, problems) from None


SHIPPED_POLICY = "default.yml"


def read_shipped(name: str = SHIPPED_POLICY) -> str:
    return resources.files("bot.policy").joinpath("shipped").joinpath(name).read_text(encoding="utf-8")


def shipped_for(locale: str | None) -> str:
    """The shipped policy in the bot's language: `default.<locale>.yml` when there is one, else default.yml."""
    if locale:
        name = f"default.{locale}.yml"
        if resources.files("bot.policy").joinpath("shipped").joinpath(name).is_file():
            return name
    return SHIPPED_POLICY


def load_policy(path: str | None, locale: str | None = None) -> Policy:
    if path is None:
        name = shipped_for(locale)
        return parse_policy(read_shipped(name), f"(shipped) {name}")
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(path, [f"cannot read: {exc.strerror or exc}"]) from None
    return parse_policy(text, path)


class PolicyHolder:
    """The policy in force. Reloads swap it atomically; a bad new file leaves the old one."""

    def __init__(self, policy: Policy, path: str | None = None, locale: str | None = None) -> None:
        self.path = path
        self.locale = locale  # picks the shipped policy's language when there is no file
        self.policy = policy
        self.severities = policy.severity_table()

    def reload(self) -> Policy:
        policy = load_policy(self.path, self.locale)  # raises PolicyError and changes nothing
        self.policy, self.severities = policy, policy.severity_table()
        return policy
