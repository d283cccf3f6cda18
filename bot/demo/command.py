"""`firebell demo`: its arguments and its start."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.firstrun import quiet_bolt_startup
from bot.logging import configure_logging
from bot.policy.loader import PolicyError, load_policy


def add_demo_parser(sub: Any) -> None:
    demo = sub.add_parser("demo", help="the whole bot in a browser, against a built-in Slack stand-in")
    demo.add_argument("--port", type=int, default=8080, help="the page's port on 127.0.0.1 (default 8080)")
    demo.add_argument("--policy", help="a policy YAML instead of the demo's own")
    demo.add_argument("--locale", choices=("en", "ko"), default="en", help="language of the bot (default en)")
    demo.add_argument("--db", help="keep the demo's SQLite database in this file (default: a temporary one)")


def run_demo(args: argparse.Namespace) -> int:
    from bot.demo.server import serve_demo

    if args.policy:
        try:
            load_policy(args.policy)
        except PolicyError as error:
            print(f"firebell: invalid policy {error.source}", file=sys.stderr)
            for problem in error.problems:
                print(f"  {problem}", file=sys.stderr)
            return 2
    configure_logging("WARNING", "console" if sys.stderr.isatty() else "json")
    quiet_bolt_startup()
    try:
        asyncio.run(serve_demo(port=args.port, locale=args.locale, policy_file=args.policy, db_file=args.db))
    except OSError as error:
        print(f"firebell: cannot start the demo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
