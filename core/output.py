"""What commands print: one JSON result line on stdout (scripts read the last line)."""

import json

import click


def emit(result: dict) -> None:
    """Print one JSON result line."""
    click.echo(json.dumps(result, ensure_ascii=False, default=str))
