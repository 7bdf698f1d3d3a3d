"""``supplierscore serve`` (the HTTP service) and ``supplierscore keys add`` (its API keys).

Thin: the service lives in :mod:`supplierscore.service`, imported only when ``serve`` or ``keys`` runs,
so ``supplierscore --help`` loads neither FastAPI nor uvicorn.
"""

from __future__ import annotations

from pathlib import Path

import click

from supplierscore.cli._common import reports_errors


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port.")
@click.option(
    "--keys",
    "keys_file",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="KEYFILE",
    help="The API keys the service accepts (make them with `supplierscore keys add`).",
)
@click.option(
    "--audit-log",
    "audit_log",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Append every scoring request as a run to the audit log in DIR; enables /v1/runs.",
)
@click.option(
    "--rules-dir",
    "rules_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Load the rulesets in DIR at start, and keep registered ones there (else they last as long as "
    "the process).",
)
@click.option(
    "--max-body-mb",
    default=32,
    show_default=True,
    type=click.IntRange(min=1),
    help="The largest request body, in MiB; a larger one is refused with 413 before it is read whole.",
)
@click.option(
    "--rate-limit",
    "rate",
    default=50.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Requests a second each key may make, sustained (answered 429 beyond).",
)
@click.option(
    "--burst",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests each key may make at once before the rate limit applies.",
)
@reports_errors
def serve_command(
    host: str,
    port: int,
    keys_file: str,
    audit_log: str | None,
    rules_dir: str | None,
    max_body_mb: int,
    rate: float,
    burst: int,
) -> None:
    """Run the HTTP service: POST /v1/score, /v1/validate, /v1/rulesets and more, with API keys.

    Listens on 127.0.0.1 unless told otherwise: put a reverse proxy with TLS in front of it to serve
    other machines. The API is described at /openapi.json and /docs.

    \b
    Examples:
      supplierscore keys add keys.json portal --role score
      supplierscore serve --keys keys.json
      supplierscore serve --keys keys.json --audit-log audit/ --rules-dir rulesets/ --port 8080
    """
    import uvicorn

    from supplierscore.service import KeyStore, ServiceConfig, create_app

    config = ServiceConfig(
        keys=KeyStore.load(keys_file),
        audit_log=Path(audit_log).resolve() if audit_log else None,
        rules_dir=Path(rules_dir).resolve() if rules_dir else None,
        max_body_bytes=max_body_mb * 2**20,
        rate=rate,
        burst=burst,
        keys_file=Path(keys_file).resolve(),
    )
    app = create_app(config)
    click.echo(f"supplierscore service on http://{host}:{port} (API at /docs); Ctrl+C stops it", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


@click.group(name="keys")
def keys_group() -> None:
    """API keys for `supplierscore serve`.

    \b
    Examples:
      supplierscore keys add keys.json portal
      supplierscore keys add keys.json ops --role admin
    """


@keys_group.command(name="add")
@click.argument("keys_file", metavar="KEYFILE", type=click.Path(dir_okay=False))
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["score", "admin"]),
    default="score",
    show_default=True,
    help="score: validate, score and read; admin: also register rulesets and replay runs.",
)
@reports_errors
def keys_add(keys_file: str, name: str, role: str) -> None:
    """Make a new API key NAME, print it once, and store only its SHA-256 in KEYFILE (mode 0600).

    \b
    Examples:
      supplierscore keys add keys.json portal
      supplierscore keys add keys.json ops --role admin
    """
    from supplierscore.service import add_key

    key = add_key(keys_file, name, role)
    click.echo(key)
    click.echo(
        f"key {name!r} (role {role}) added to {keys_file}; this is the only time it is shown: keep it secret",
        err=True,
    )
