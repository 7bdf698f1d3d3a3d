"""Audit commands: ``verify``, ``replay``, ``diff`` and the ``audit`` group (``keygen``, ``recover``).

Thin: the work is in :mod:`supplierscore.audit`, imported inside each command so other commands never
load it (nor ``cryptography``).
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from supplierscore.cli._common import reports_errors, shown
from supplierscore.errors import AuditError, UsageError


@click.command(name="verify")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Check every checkpoint signature with this key, and that the log ends in a signed checkpoint.",
)
@click.option(
    "--expect-head",
    "expect_head",
    metavar="HASH",
    help="A head hash kept outside the log (printed by score and verify): the log must still hold it.",
)
@reports_errors
def verify_command(directory: str, public_key: str | None, expect_head: str | None) -> None:
    """Check the audit log in DIR: every record, the hash chain, every object, and signatures.

    Prints a one-line summary and exits 0 when all is well; otherwise names the first bad record (line,
    sequence number, what is wrong) and exits 3.

    \b
    Examples:
      supplierscore verify audit/
      supplierscore verify audit/ --public-key audit.key.pub
      supplierscore verify audit/ --public-key audit.key.pub --expect-head 5b0c2e9d41aa...
    """
    from supplierscore import audit  # only when used: it loads cryptography

    key = audit.load_public_key(public_key) if public_key else None
    result = audit.AuditLog.open(directory).verify(public_key=key, expect_head=expect_head)
    for note in result.notes:
        click.echo(f"note: {shown(note)}", err=True)
    if result.fault is not None:
        raise AuditError(result.summary(), line=result.fault.line, seq=result.fault.seq)
    click.echo(shown(result.summary()))


@click.command(name="replay")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.argument("run", metavar="[RUN]", required=False)
@reports_errors
def replay_command(directory: str, run: str | None) -> None:
    """Re-run recorded runs from the objects in DIR and compare each new sheet with the recorded one.

    RUN is a sequence number or a run id (or its prefix); without it, every run is replayed. Identical
    runs share a run id, so a run id may replay several records. Exits 0 when every sheet is
    byte-identical, 3 when any differs (the first differing row and field is named).

    \b
    Examples:
      supplierscore replay audit/
      supplierscore replay audit/ 3
      supplierscore replay audit/ 5f1c09
    """
    from supplierscore import audit  # only when used: it loads cryptography

    results = audit.AuditLog.open(directory).replay(run)
    for result in results:
        if result.warning:
            click.echo(f"warning: {shown(result.warning)}", err=True)
        click.echo(shown(result.summary()))
    differing = sum(1 for result in results if not result.identical)
    if differing:
        raise AuditError(f"{differing} of {len(results)} replayed run(s) differ from the record")
    click.echo(f"{len(results)} run(s) replayed: all identical")


@click.command(name="diff")
@click.argument("args", nargs=-1, required=True, metavar="SHEET_A SHEET_B | DIR RUN_A RUN_B")
@reports_errors
def diff_command(args: Sequence[str]) -> None:
    """Which bids changed rank or points between two sheets or two logged runs, per criterion, and why.

    Give two JSON score sheets, or an audit log folder and two runs in it (sequence numbers or run
    ids). The cause (ruleset change, input change, engine change) comes first, then each changed bid.

    \b
    Examples:
      supplierscore diff sheet-2025.json sheet-2025-corrected.json
      supplierscore diff audit/ 1 3
    """
    from supplierscore import audit  # only when used: it loads cryptography
    from supplierscore.sheet import load_sheet

    if len(args) == 2:
        result = audit.diff_sheets(load_sheet(args[0]), load_sheet(args[1]))
        result.labels = (args[0], args[1])
    elif len(args) == 3:
        result = audit.AuditLog.open(args[0]).diff(args[1], args[2])
    else:
        raise UsageError("diff takes SHEET_A SHEET_B, or DIR RUN_A RUN_B")
    click.echo(shown(audit.format_diff(result)))


@click.group(name="audit")
def audit_group() -> None:
    """Signing keys for audit logs, and recovery after an interrupted append.

    \b
    Examples:
      supplierscore audit keygen keys/city-audit.key
      supplierscore audit recover audit/ --signing-key keys/city-audit.key
    """


@audit_group.command(name="keygen")
@click.argument("private_key", metavar="KEYFILE", type=click.Path(dir_okay=False))
@reports_errors
def audit_keygen(private_key: str) -> None:
    """Write a new Ed25519 key pair: KEYFILE (private, mode 0600) and KEYFILE.pub (public).

    Keep the private key away from the log (whoever holds it can sign); give auditors the .pub file.

    \b
    Examples:
      supplierscore audit keygen ~/keys/audit.key
      supplierscore audit keygen keys/city-audit.key   (then give auditors keys/city-audit.key.pub)
    """
    from supplierscore import audit  # only when used: it loads cryptography

    files = audit.keygen(private_key)
    click.echo(f"wrote private key {files.private} (mode 0600) and public key {files.public}")
    click.echo(f"key id {files.key_id}")


@audit_group.command(name="recover")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option(
    "--signing-key",
    "signing_key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Seal the recovered log with a signed checkpoint (for logs verified with --public-key).",
)
@reports_errors
def audit_recover(directory: str, signing_key: str | None) -> None:
    """Repair a torn last line left by an interrupted append, openly: the torn bytes go to a dated side
    file in DIR and a recovery record saying so is appended. Nothing else is ever changed.

    \b
    Examples:
      supplierscore audit recover audit/
      supplierscore audit recover audit/ --signing-key audit.key
    """
    from supplierscore import audit  # only when used: it loads cryptography

    key = audit.load_signing_key(signing_key) if signing_key else None
    click.echo(shown(audit.AuditLog.open(directory).recover(signing_key=key).summary()))
