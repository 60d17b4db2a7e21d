"""Command line: options -> engine -> printing -> exit code."""

from __future__ import annotations

import signal
import sys
import traceback
from typing import Any, Sequence

import click

from iacfix import __version__
from iacfix._output import Tally, as_json, colorize_diff, finding_line
from iacfix.settings import Settings

EXIT_CODES = """\b
Exit codes:
  0  nothing left to report
  1  findings left unfixed, or (--check) files that would change
  2  usage error, or a file that could not be processed"""

_COMMANDS = ("rules", "explain")


class _Cli(click.Group):
    """`iacfix PATH...` runs the default `fix` command; `iacfix rules` etc. run the others.

    A directory that happens to be named like a command is reached as `./rules`.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["fix", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        # Click turns Ctrl-C into "Aborted!" and exit code 1; a shell and CI expect 130.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        fix_command = self.commands["fix"]
        with click.Context(fix_command, info_name=ctx.info_name, parent=None) as sub:
            fix_command.format_help(sub, formatter)
        formatter.write_paragraph()
        with formatter.section("Other commands"):
            formatter.write_dl([(name, self.commands[name].get_short_help_str()) for name in _COMMANDS])


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _check_codes(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    from iacfix.codemods import ALL_RULES

    codes = _codes(values)
    known = {rule.CODE for rule in ALL_RULES} | {rule.NAME for rule in ALL_RULES}
    for code in codes:
        if code not in known and not any(rule.CODE.startswith(code.upper()) for rule in ALL_RULES):
            choices = ", ".join(rule.CODE for rule in ALL_RULES)
            raise click.BadParameter(f"unknown rule {code!r}; known rules: {choices}", ctx=ctx, param=param)
    return codes


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="iacfix %(version)s")
def main() -> None:
    """Fix AI-generated AWS CDK v2 and CDKTF Python code."""


@main.command("fix", epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--dry-run", "--diff", "dry_run", is_flag=True, help="Print unified diffs; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file would change or a finding is left.")
@click.option("--stdin-filename", metavar="PATH", help="With `-`: the file name for messages.")
@click.option("--select", multiple=True, callback=_check_codes, metavar="CODES",
              help="Rules to run: codes, code prefixes (IAC3) or names, comma separated.")
@click.option("--ignore", multiple=True, callback=_check_codes, metavar="CODES", help="Rules to skip.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option("--line-length", type=click.IntRange(40, 1000), help="Line length limit (default: pylint config or 120).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour diffs.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print tracebacks and every file processed.")
def fix_command(paths: tuple[str, ...], dry_run: bool, check: bool, stdin_filename: str | None,
                select: tuple[str, ...], ignore: tuple[str, ...], unsafe_fixes: bool, line_length: int | None,
                output_format: str, color: str, quiet: bool, verbose: bool) -> None:
    """Fix PATH... in place (files, or directories searched for *.py).

    `-` reads a file from stdin and writes the fixed file to stdout (for editors).
    """
    settings = Settings(select=select or ("IAC",), ignore=ignore, unsafe_fixes=unsafe_fixes,
                        line_length=line_length)
    mode = "check" if check else "diff" if dry_run else "write"
    colored = color == "always" or (color == "auto" and sys.stdout.isatty())
    _install_signal_handlers()
    if paths == ("-",):
        sys.exit(_run_stdin(settings, mode, stdin_filename or "<stdin>", output_format, quiet))
    if "-" in paths:
        raise click.UsageError("`-` (stdin) cannot be combined with other paths")
    sys.exit(_run_paths(paths, settings, mode, output_format, colored, quiet, verbose))


def _run_paths(paths: Sequence[str], settings: Settings, mode: str, output_format: str, colored: bool,
               quiet: bool, verbose: bool) -> int:
    from iacfix.codemods._diff import unified_diff
    from iacfix.codemods._engine import FileResult, fix_paths
    from iacfix.codemods._files import ChangedOnDisk, write_atomic

    tally = Tally()
    results = fix_paths(paths, settings)
    final: list[FileResult] = []
    diffs: dict[str, str] = {}
    findings_out = sys.stderr if mode == "diff" else sys.stdout
    for result in results:
        if mode == "write" and result.changed:
            try:
                write_atomic(result.path, result.new, expected=result.old)
            except ChangedOnDisk:
                result = _failed(result, "changed on disk since it was read; not written")
            except OSError as error:
                result = _failed(result, f"cannot write: {error.strerror or error}")
        tally.add(result)
        final.append(result)
        if result.changed and mode == "diff":
            diffs[result.path] = unified_diff(_text(result, result.old), _text(result, result.new), result.path)
        if output_format == "json":
            continue
        if result.error is not None:
            click.echo(result.error.format(result.path), err=True)
        for message in result.internal_errors:
            click.echo(f"{result.path}: {message}", err=True)
        if diffs.get(result.path):
            click.echo(colorize_diff(diffs[result.path]) if colored else diffs[result.path], nl=False,
                       color=colored)
        if not quiet:
            for finding in result.findings:
                click.echo(finding_line(finding, mode=mode), file=findings_out)
        if verbose and result.error is None:
            click.echo(f"{result.path}: {len(result.findings)} finding(s)", err=True)
    if output_format == "json":
        click.echo(as_json(final, tally, mode, diffs))
    elif not quiet:
        click.echo(tally.summary(mode), err=True)
    return tally.exit_code(mode)


def _failed(result: Any, message: str) -> Any:
    from dataclasses import replace

    from iacfix.codemods._engine import FileError

    return replace(result, new=result.old, error=FileError(message))


def _text(result: Any, data: bytes) -> str:
    return data.decode(result.encoding, errors="surrogateescape").removeprefix("\ufeff")


def _run_stdin(settings: Settings, mode: str, name: str, output_format: str, quiet: bool) -> int:
    from iacfix.codemods._diff import unified_diff
    from iacfix.codemods._engine import fix_source

    data = sys.stdin.buffer.read()
    result = fix_source(data, name, settings)
    tally = Tally()
    tally.add(result)
    if mode == "write":
        # Editors replace the buffer with stdout: on any error it must be the input, unchanged.
        sys.stdout.buffer.write(result.new)
        sys.stdout.buffer.flush()
    elif mode == "diff" and result.changed:
        click.echo(unified_diff(_text(result, result.old), _text(result, result.new), name), nl=False)
    if output_format == "json":
        click.echo(as_json([result], tally, mode, {}), err=True)
        return tally.exit_code(mode)
    if result.error is not None:
        click.echo(result.error.format(name), err=True)
    for message in result.internal_errors:
        click.echo(f"{name}: {message}", err=True)
    if not quiet:
        for finding in result.findings:
            click.echo(finding_line(finding, mode=mode), err=True)
    return tally.exit_code(mode)


@main.command("rules")
def rules_command() -> None:
    """List every rule: code, name, impact, fix safety, summary."""
    from iacfix.codemods import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.CODE}  {rule.NAME:<28} {rule.SEVERITY.value:<8} {rule.FIX_SAFETY.value:<6} {rule.SUMMARY}")


@main.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print a rule's explanation, with a before/after example."""
    from iacfix.codemods import ALL_RULES, get_rule
    from iacfix.codemods._rule import explanation

    rule = get_rule(code)
    if rule is None:
        raise click.BadParameter(f"unknown rule {code!r}; known rules: {', '.join(r.CODE for r in ALL_RULES)}")
    click.echo(f"{rule.CODE} {rule.NAME} ({rule.SEVERITY.value}, fix: {rule.FIX_SAFETY.value})")
    click.echo(f"{rule.SUMMARY}\n")
    click.echo(explanation(rule))


def _install_signal_handlers() -> None:
    # SIGTERM becomes an exception so that atomic writes in progress clean up their temporary file.
    def terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not in the main thread (embedded use)
        pass


def run() -> None:
    """Console-script entry point: Ctrl-C ends with exit code 130 and no traceback."""
    try:
        main()
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception:  # pragma: no cover - last resort, should never happen
        traceback.print_exc()
        sys.exit(2)
