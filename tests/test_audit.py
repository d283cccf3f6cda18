"""The audit log: state changes, permission denials, policy loads and overrides, each written with the change
it describes; append-only; `firebell audit` prints it as a table or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from bot.audit import AuditLog, as_json, as_table, parse_since
from bot.ops_cli import audit_text
from bot.policy.replicas import propose
from storage.audit_models import AuditEntry
from tests.conftest import Harness, MutableClock
from tests.test_oncall import ONCALL_POLICY

POLICY = ONCALL_POLICY.replace("permissions:\n", "permissions:\n  severity: [UKIM]\n")


async def audit_app(make_harness: Any) -> Harness:
    from tests.test_oncall import seoul

    return await make_harness(policy=POLICY, clock=MutableClock(seoul(2026, 1, 6, 10, 0)))


async def entries(app: Harness) -> list[AuditEntry]:
    return list(await AuditLog(app.firebell.services.sessions, app.clock).entries())


async def test_changes_denials_and_overrides_are_audited(make_harness: Any, database_url: str) -> None:
    app = await audit_app(make_harness)
    await app.command("declare P2 Disk full", user="ULEE")
    await app.command("ack 1", user="ULEE")
    await app.command("severity 1 P1", user="ULEE")  # only UKIM may change severity
    await app.command("severity 1 P1", user="UKIM")
    await app.command("override l1 <@UPARK> 3h", command="/oncall", user="UKIM")
    await app.command("resolve 1 Freed space", user="UKIM")

    found = [(e.actor, e.action, e.incident_id, e.before, e.after) for e in await entries(app)]
    assert found[:4] == [
        ("ULEE", "incident.declare", 1, None, {"severity": "P2", "status": "declared"}),
        ("ULEE", "incident.ack", 1, {"status": "declared"}, {"status": "acknowledged"}),
        ("ULEE", "permission.denied", None, None, None),
        ("UKIM", "incident.severity", 1, {"severity": "P2"}, {"severity": "P1"}),
    ]
    override = found[4]
    assert override[:3] == ("UKIM", "oncall.override", None) and override[4]["user"] == "UPARK"
    assert found[5] == ("UKIM", "incident.resolve", 1, {"status": "acknowledged"}, {"status": "resolved"})
    assert all(e.replica for e in await entries(app))

    # `firebell audit`, filtered, as a table and as JSON lines, from the same database.
    # (The test clock stands in January 2026: look far enough back.)
    args = argparse.Namespace(since="1000w", incident=1, actor=["UKIM"], format="table", limit=100)
    table = await audit_text(database_url, args)
    assert "incident.severity" in table and "severity: P2 → P1" in table and "incident.declare" not in table
    args.format, args.actor, args.incident = "json", [], None
    lines = [json.loads(line) for line in (await audit_text(database_url, args)).splitlines()]
    assert [line["action"] for line in lines][:3] == ["incident.declare", "incident.ack", "permission.denied"]
    assert lines[2]["subject"] == "severity"


async def test_a_refused_change_leaves_no_audit_entry(make_harness: Any) -> None:
    app = await audit_app(make_harness)
    await app.command("declare P2 Disk full", user="ULEE")
    await app.command("mitigate 1", user="ULEE")
    await app.command("ack 1", user="ULEE")  # not allowed from mitigated: nothing changes, nothing audited
    assert [e.action for e in await entries(app)] == ["incident.declare", "incident.mitigate"]


async def test_policy_loads_are_audited(make_harness: Any) -> None:
    app = await audit_app(make_harness)
    services = app.firebell.services
    good = await propose(services.sessions, app.clock, content=POLICY, source="policy.yml", actor="UOPS")
    bad = await propose(services.sessions, app.clock, content=POLICY.replace("5m", "soon", 1), source="policy.yml",
                        actor="UOPS")
    assert good.accepted and not bad.accepted and any("ack_within" in p for p in bad.problems)
    found = [(e.action, e.after) for e in await entries(app)]
    assert found[0] == ("policy.load", {"hash": good.hash})
    assert found[1][0] == "policy.refused" and found[1][1]["problems"] == bad.problems


async def test_the_log_is_append_only(make_harness: Any) -> None:
    app = await audit_app(make_harness)
    await app.command("declare P2 Disk full", user="ULEE")
    sessions = app.firebell.services.sessions
    for statement in (update(AuditEntry).values(actor="UNOBODY"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions.begin() as session:
                await session.execute(statement)
    async with sessions() as session:
        assert [e.actor for e in (await session.execute(select(AuditEntry))).scalars()] == ["ULEE"]


def test_formats_and_durations() -> None:
    assert parse_since("7d").days == 7 and parse_since("12h").total_seconds() == 43200
    for bad in ("7", "d", "7x", "-1d"):
        with pytest.raises(ValueError):
            parse_since(bad)
    assert as_table([]).startswith("time (UTC)") and as_json([]) == ""


async def test_firebell_audit_command(make_harness: Any, database_url: str) -> None:
    app = await audit_app(make_harness)
    await app.command("declare P2 Disk full", user="ULEE")
    env = {**os.environ, "DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", "--since", "1000w", "--actor", "ULEE", "--format", "json",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert [json.loads(line)["action"] for line in out.decode().splitlines()] == ["incident.declare"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "audit", "--since", "soon", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    assert process.returncode == 2 and "--since" in err.decode()
