"""Build iacfix's API index of aws-cdk-lib, constructs, cdktf and cdktf-cdktf-provider-aws.

    python tools/build_api_index.py                                  # this interpreter's site-packages
    python tools/build_api_index.py --from-site-packages DIR
    python tools/build_api_index.py --wheel a.whl --wheel b.whl ...  # wheel files, read in place
    python tools/build_api_index.py --download [--pin aws-cdk-lib==2.275.0 ...]

The packages are read with `ast` (iacfix.codemods._apiscan); nothing is imported. A file that
cannot be read is reported with its name and left out, the others go on; the exit status is
then 1 (the index is still written).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's iacfix, whatever is installed

from iacfix.codemods._apiscan import (  # noqa: E402
    DISTRIBUTIONS,
    DistFiles,
    ScanError,
    canonical_name,
    pack_index,
    scan_dist,
    site_packages_dists,
    wheel_dist,
)

GENERATOR = "tools/build_api_index.py"
DEFAULT_OUT = ROOT / "iacfix" / "data" / "api_index.json.gz"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="iacfix-wheels-") as scratch:
        try:
            dists = _sources(args, Path(scratch))
        except (ScanError, subprocess.CalledProcessError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        missing = [name for name in DISTRIBUTIONS if name not in {d.name for d in dists}]
        if missing and not args.partial:
            print(f"error: not found: {', '.join(missing)}", file=sys.stderr)
            return 2
        records = {}
        for dist in dists:
            print(f"{dist.name} {dist.version}: {len(dist.files)} modules", file=sys.stderr)
            records.update(scan_dist(dist, jobs=args.jobs, on_error=_reporter(errors)))
    packages = {dist.name: dist.version for dist in dists}
    data = pack_index(packages, records, GENERATOR)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    took = time.perf_counter() - started
    print(f"wrote {args.out}: {len(records)} modules, {len(data):,} bytes in {took:.1f} s"
          + (f", {len(errors)} file(s) unreadable" if errors else ""), file=sys.stderr)
    return 1 if errors else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--from-site-packages", metavar="DIR", type=Path,
                        help="read installed distributions (default: this interpreter's site-packages)")
    source.add_argument("--wheel", metavar="FILE", type=Path, action="append",
                        help="read a wheel file in place (repeat for each distribution)")
    source.add_argument("--download", action="store_true", help="pip download the wheels to a temp folder")
    parser.add_argument("--pin", metavar="DIST==VERSION", action="append", default=[],
                        help="with --download: the version to fetch (default: the newest)")
    parser.add_argument("--partial", action="store_true",
                        help="index what was found even if one of the four distributions is missing")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT.relative_to(ROOT)}")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel parser processes")
    return parser


def _sources(args: argparse.Namespace, scratch: Path) -> list[DistFiles]:
    if args.wheel:
        return [wheel_dist(path) for path in args.wheel]
    if args.download:
        pins = {}
        for pin in args.pin:
            name, sep, version = pin.partition("==")
            if not sep or not version:
                raise ScanError(f"--pin {pin!r}: expected DIST==VERSION")
            pins[canonical_name(name)] = version
        for name in DISTRIBUTIONS:
            requirement = f"{name}=={pins[name]}" if name in pins else name
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                            requirement, "-d", str(scratch)], check=True)
        return [wheel_dist(path) for path in sorted(scratch.glob("*.whl"))]
    directory = args.from_site_packages or Path(sysconfig.get_paths()["purelib"])
    return site_packages_dists(directory)


def _reporter(errors: list[str]):  # type: ignore[no-untyped-def]
    def report(message: str) -> None:
        errors.append(message)
        print(message, file=sys.stderr)

    return report


if __name__ == "__main__":
    sys.exit(main())
