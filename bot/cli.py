"""`firebell …`: run the bot, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from aiohttp import web
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.app import Firebell, create_app
from bot.logging import configure_logging, get_logger
from bot.policy.loader import PolicyError, load_policy
from bot.policy.summary import summarise
from bot.settings import Settings, SettingsError, load_settings
from storage.db import create_engine, upgrade_database

log = get_logger("firebell")


async def serve(settings: Settings) -> None:
    firebell: Firebell = create_app(settings)
    await firebell.prepare(migrate=True)
    runner = web.AppRunner(firebell.web, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        assert settings.slack_app_token is not None
        socket_handler = AsyncSocketModeHandler(firebell.bolt, settings.slack_app_token.get_secret_value())
        await socket_handler.connect_async()
    firebell.start_scheduler()
    log.info(
        "firebell_started",
        mode="socket" if settings.socket_mode else "http",
        port=settings.port,
        database=settings.database_url.split("://", 1)[0],
        locale=settings.firebell_locale,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGHUP, firebell.reload_policy)
    try:
        await stop.wait()
    finally:
        log.info("firebell_stopping")
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
        await firebell.close()


async def upgrade(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


def _database_url_only() -> str:
    """`db upgrade` needs only DATABASE_URL, not the Slack tokens."""
    import os

    from bot.settings import DEFAULT_DATABASE_URL, normalise_database_url

    return normalise_database_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="firebell", description="Incident response for Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (migrates the database first)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every pending migration")
    policy = sub.add_parser("policy", help="the policy file")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser("check", help="validate a policy file")
    check.add_argument("file", nargs="?", help="policy YAML (default: the shipped policy)")
    policy_sub.add_parser("reload", help="tell the running bot (its pid file) to reload its policy")
    return parser


def policy_check(path: str | None) -> int:
    try:
        policy = load_policy(path)
    except PolicyError as error:
        print(f"{error.source}: invalid policy", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(summarise(policy))
    return 0


class _PidFileSetting(BaseSettings):
    """Only what `policy reload` needs, read the way `run` reads it (environment, then .env)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    firebell_pid_file: str = "./firebell.pid"


def policy_reload() -> int:
    pid_path = Path(_PidFileSetting().firebell_pid_file)
    try:
        pid = int(pid_path.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as error:
        print(f"firebell: no running bot found through {pid_path}: {error}", file=sys.stderr)
        return 1
    print(f"asked process {pid} to reload its policy (it logs the outcome)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "policy":
        return policy_check(args.file) if args.policy_command == "check" else policy_reload()
    if args.command == "run":
        try:
            settings = load_settings()
        except SettingsError as error:
            print(f"firebell: {error}", file=sys.stderr)
            return 2
        try:
            load_policy(settings.firebell_policy)
        except PolicyError as error:
            print(f"firebell: invalid policy {error.source}", file=sys.stderr)
            for problem in error.problems:
                print(f"  {problem}", file=sys.stderr)
            return 2
        configure_logging(settings.log_level, settings.log_format)
        # The pid file lets `firebell policy reload` find this process.
        pid_file = Path(settings.firebell_pid_file)
        with contextlib.suppress(OSError):
            pid_file.write_text(str(os.getpid()))
        try:
            asyncio.run(serve(settings))
        except OSError as error:
            print(f"firebell: cannot start: {error}", file=sys.stderr)
            return 1
        finally:
            with contextlib.suppress(OSError):
                if pid_file.read_text().strip() == str(os.getpid()):
                    pid_file.unlink()
        return 0
    if args.command == "db" and args.db_command == "upgrade":
        configure_logging("INFO", "console")
        try:
            url = _database_url_only()
        except ValueError as error:
            print(f"firebell: invalid configuration: DATABASE_URL {error}", file=sys.stderr)
            return 2
        asyncio.run(upgrade(url))
        print("database is up to date")
        return 0
    return 2
