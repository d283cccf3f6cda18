"""Checks for the Slack app manifest (manifest.yml).

Schema validation uses the official Slack manifest JSON schema from the shared
vectors directory (never copied into this project). The top-level schema
``$ref``s the per-version schemas by raw.githubusercontent.com URLs; those are
resolved offline by registering the local files under exactly those URLs in a
``referencing.Registry``. The registry has no retrieve hook, so any other
remote reference fails loudly instead of touching the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

MANIFEST_PATH = Path(__file__).resolve().parents[1] / "manifest.yml"
VECTORS_DIR = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "slack-manifest"
TOP_SCHEMA = "manifest.schema.json"
VERSION_SCHEMAS = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")

EVENTS_PATH = "/slack/events"
REQUIRED_COMMANDS = {"/incident", "/oncall", "/checklist", "/maintenance"}
EXPECTED_BOT_SCOPES = {
    "commands",
    "chat:write",
    "channels:manage",
    "channels:join",
    "groups:write",
    "reactions:read",
    "usergroups:read",
    "usergroups:write",
    "channels:history",
    "im:history",
    "im:write",
    "files:write",  # post-mortem documents and report charts (issue 12)
}


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _remote_refs(node: Any) -> Iterator[str]:
    """Yield every absolute http(s) ``$ref`` found anywhere in a schema."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and urlparse(ref).scheme in ("http", "https"):
            yield ref
        for value in node.values():
            yield from _remote_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _remote_refs(item)


def _error_tree(errors: Any) -> Iterator[ValidationError]:
    """Flatten validation errors, including oneOf/anyOf sub-errors."""
    for error in errors:
        yield error
        yield from _error_tree(error.context or ())


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    if not VECTORS_DIR.is_dir():
        pytest.skip(f"shared vectors are not present: {VECTORS_DIR} does not exist")
    missing = [n for n in (TOP_SCHEMA, *VERSION_SCHEMAS) if not (VECTORS_DIR / n).is_file()]
    if missing:
        pytest.skip(f"shared vectors are not present: missing {', '.join(missing)} in {VECTORS_DIR}")

    top = _load_json(VECTORS_DIR / TOP_SCHEMA)
    Draft7Validator.check_schema(top)

    # Map each remote $ref URL (whatever release tag it pins) to the local file
    # with the same name, so resolution never leaves the machine.
    resources: list[tuple[str, Resource[Any]]] = []
    refs = sorted(set(_remote_refs(top)))
    assert refs, "expected the top-level schema to $ref the per-version schemas"
    for url in refs:
        local = VECTORS_DIR / Path(urlparse(url).path).name
        assert local.is_file(), f"no local copy of {url} in {VECTORS_DIR}"
        contents = _load_json(local)
        Draft7Validator.check_schema(contents)
        resources.append((url, DRAFT7.create_resource(contents)))
    assert {Path(urlparse(u).path).name for u in refs} == set(VERSION_SCHEMAS)

    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft7Validator(top, registry=registry)


# --- schema validation ------------------------------------------------------


def test_manifest_matches_official_schema(validator: Draft7Validator, manifest: dict[str, Any]) -> None:
    errors = sorted(_error_tree(validator.iter_errors(manifest)), key=lambda e: list(e.path))
    assert not errors, "manifest.yml does not match the Slack manifest schema:\n" + "\n".join(
        f"  {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_schema_accepts_its_valid_example(validator: Draft7Validator, version: str) -> None:
    example = _load_json(VECTORS_DIR / f"schema-test_{version}_manifest.valid.json")
    validator.validate(example)


@pytest.mark.parametrize(
    ("version", "branch", "expected"),
    [
        # v1 example adds settings.bad_param; v2 example drops a workflow's
        # input_parameters.properties wrapper.
        ("v1", 0, "'bad_param' was unexpected"),
        ("v2", 1, "'properties' is a required property"),
    ],
)
def test_schema_rejects_its_invalid_example(
    validator: Draft7Validator, version: str, branch: int, expected: str
) -> None:
    """Sanity check that the validator, and the offline $ref resolution, is live."""
    example = _load_json(VECTORS_DIR / f"schema-test_{version}_manifest.invalid.json")
    assert not validator.is_valid(example)
    # The expected error must be raised inside the per-version schema reached via
    # the remote $ref (oneOf[branch].allOf[1]), proving the URL resolved locally.
    inside_ref = [
        e.message
        for e in _error_tree(validator.iter_errors(example))
        if list(e.absolute_schema_path)[:4] == ["oneOf", branch, "allOf", 1]
    ]
    assert any(expected in m for m in inside_ref), inside_ref


# --- Firebell-specific expectations -----------------------------------------


def test_required_slash_commands_present(manifest: dict[str, Any]) -> None:
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands >= REQUIRED_COMMANDS, f"missing: {sorted(REQUIRED_COMMANDS - commands)}"


def test_every_slash_command_escapes_mentions(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert commands
    not_escaped = [c["command"] for c in commands if c.get("should_escape") is not True]
    assert not not_escaped, f"should_escape must be true for: {not_escaped}"


def test_every_slash_command_url_is_events_endpoint(manifest: dict[str, Any]) -> None:
    for command in manifest["features"]["slash_commands"]:
        assert command["url"].endswith(EVENTS_PATH), command


def test_request_urls_point_at_events_endpoint(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]


def test_bot_scopes_are_exactly_what_firebell_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes)), "duplicate scopes"
    assert set(scopes) == EXPECTED_BOT_SCOPES


def test_manifest_commands_are_the_ones_the_app_listens_to(manifest: dict[str, Any]) -> None:
    """Every command in the manifest has a listener, and every listener is in the manifest."""
    from pathlib import Path as _Path

    root = _Path(__file__).resolve().parents[1] / "handlers"
    registered = set()
    for path in root.glob("*.py"):
        registered.update(re.findall(r'app\.command\("(/[a-z]+)"\)', path.read_text(encoding="utf-8")))
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert registered == declared
