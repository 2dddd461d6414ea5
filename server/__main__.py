"""`loket-server` command line: serve, migrate, seed, create-user, openapi."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import logging.config
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from server.config import Settings
from server.security import install_log_filter, logging_config

if TYPE_CHECKING:
    from fastapi import FastAPI

ROLES = ("operator", "verifier", "validator", "supervisor", "admin")


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    url = getattr(args, "database_url", None)
    if url:
        settings = settings.with_overrides(database_url=url)
    return settings


def _setup_logging(level: str) -> None:
    logging.config.dictConfig(logging_config(level.upper()))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    install_log_filter()


def cmd_serve(args: argparse.Namespace) -> int:
    from server.app import create_app

    settings = _settings(args)
    serve(
        create_app(settings),
        settings,
        host=args.host,
        port=args.port,
        access_log=not args.no_access_log,
        proxy_headers=args.proxy_headers,
    )
    return 0


def serve(
    app: FastAPI,
    settings: Settings,
    *,
    host: str,
    port: int,
    access_log: bool = True,
    proxy_headers: bool = False,
) -> None:
    """Set up logging, migrate, then run `app` with uvicorn until it is stopped.

    `serve` passes the app `create_app(settings)` builds (system clock); the test harness
    (`tests/server/harness.py`) passes one it built with a movable clock, served the same way.
    """
    import uvicorn

    from server.db import migrate

    _setup_logging(settings.log_level)
    migrate(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=access_log,
        proxy_headers=proxy_headers,
        timeout_graceful_shutdown=5,
    )


def cmd_migrate(args: argparse.Namespace) -> int:
    from server.db import migrate

    settings = _settings(args)
    _setup_logging(settings.log_level)
    migrate(settings)
    print(f"Skema basis data mutakhir: {_describe(settings)}")
    return 0


def _describe(settings: Settings) -> str:
    url = settings.effective_database_url
    if "@" in url:  # hide credentials
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def cmd_seed(args: argparse.Namespace) -> int:
    from server.db import migrate
    from server.seed import print_accounts, seed_database

    settings = _settings(args)
    _setup_logging("WARNING")
    if args.reset:
        from server.seed import reset_database

        reset_database(settings)
    migrate(settings)
    report = seed_database(settings, seed=args.seed, applications=args.applications)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_accounts(report)
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from server.db import migrate
    from server.seed import create_user

    settings = _settings(args)
    _setup_logging("WARNING")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Kata sandi: ")
        if getpass.getpass("Ulangi kata sandi: ") != password:
            print("Kata sandi tidak sama.", file=sys.stderr)
            return 2
    if len(password) < 8:
        print("Kata sandi minimal 8 karakter.", file=sys.stderr)
        return 2
    migrate(settings)
    try:
        user_id = create_user(
            settings,
            username=args.username,
            password=password,
            roles=args.role,
            office_code=args.office,
            full_name=args.full_name or args.username,
        )
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Pengguna {args.username} dibuat (id {user_id}).")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from server.app import create_app
    from server.openapi_doc import openapi_text

    with tempfile.TemporaryDirectory() as tmp:  # the document needs no database
        settings = Settings().with_overrides(data_dir=Path(tmp), secret="openapi-only")
        print(openapi_text(create_app(settings)), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loket-server",
        description="Loket reference central server (API v1).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--database-url", help="overrides DATABASE_URL")
    serve.add_argument("--no-access-log", action="store_true")
    serve.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-* (behind a TLS proxy)"
    )
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser("migrate", help="create or upgrade the database schema")
    mig.add_argument("--database-url")
    mig.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="demo data: Kota Pekanbaru offices, users, applications")
    seed.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    seed.add_argument("--applications", type=int, default=300)
    seed.add_argument("--reset", action="store_true", help="drop all data first")
    seed.add_argument("--json", action="store_true", help="print the result as JSON")
    seed.add_argument("--database-url")
    seed.set_defaults(func=cmd_seed)

    user = sub.add_parser("create-user", help="add a user (password from a prompt or stdin)")
    user.add_argument("username")
    user.add_argument("--role", action="append", choices=ROLES, required=True)
    user.add_argument("--office", required=True, help="office code, e.g. 14.71.01.1001")
    user.add_argument("--full-name")
    user.add_argument("--password-stdin", action="store_true")
    user.add_argument("--database-url")
    user.set_defaults(func=cmd_create_user)

    doc = sub.add_parser("openapi", help="print the OpenAPI document (docs/api/openapi.json)")
    doc.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
