"""How much the API index costs: shipped file size, load time, first look-ups, pre-check.

    python bench/api_index.py [--scan MODULE_FILE]

Prints numbers, asserts nothing. Each timing is one cold run in this process (the look-ups
use the first index loaded), except "best of 5" and the pre-check, which is averaged. `--scan` also times parsing one
installed module file, what the installed-version mode pays once per module before caching.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iacfix.codemods._apiscan import scan_module  # noqa: E402
from iacfix.codemods._symbols import SHIPPED_INDEX, mentions_managed_package, open_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scan", type=Path, help="a module file to parse, e.g. .../aws_cdk/aws_ec2/__init__.py")
    args = parser.parse_args()

    print(f"shipped file size:        {SHIPPED_INDEX.stat().st_size:>12,} bytes")
    index, load = _timed(lambda: open_index(installed=False))
    print(f"load (read + gunzip + json): {load * 1000:>9.1f} ms")
    best = min(_timed(lambda: open_index(installed=False))[1] for _ in range(5))
    print(f"load, best of 5 more:      {best * 1000:>9.1f} ms")
    _, first = _timed(lambda: index.names("aws_cdk.aws_s3"))
    print(f"first names():            {first * 1000:>12.3f} ms")
    _, exports = _timed(lambda: index.exports("cdktf_cdktf_provider_aws.s3_bucket_versioning", "S3BucketVersioningA"))
    print(f"first exports() (provider): {exports * 1000:>10.3f} ms")
    _, info = _timed(lambda: index.class_info("aws_cdk.aws_ec2", "Vpc"))
    print(f"first class_info() (ec2 Vpc, bases incl.): {info * 1000:>6.3f} ms")
    _, reverse = _timed(lambda: index.modules_exporting("SnsAction", "aws_cdk."))
    print(f"first modules_exporting('aws_cdk.'): {reverse * 1000:>8.3f} ms")
    _, reverse2 = _timed(lambda: index.modules_exporting("S3BucketVersioningA", "cdktf_cdktf_provider_aws."))
    print(f"first modules_exporting(provider): {reverse2 * 1000:>10.3f} ms")
    _, again = _timed(lambda: index.modules_exporting("Bucket", "aws_cdk."))
    print(f"next modules_exporting():  {again * 1000:>11.4f} ms")

    body = "".join(f"value_{i} = compute({i}, 'text {i}')  # line {i}\n" for i in range(1500))
    cases = (("no match (whole text)", body), ("match on the last line", body + "from aws_cdk import Stack\n"))
    for label, text in cases:
        rounds = 200
        started = time.perf_counter()
        for _ in range(rounds):
            mentions_managed_package(text)
        each = (time.perf_counter() - started) / rounds
        print(f"pre-check, 1,500 lines, {label}: {each * 1e6:>8.1f} us")

    if args.scan:
        data = args.scan.read_bytes()
        _, took = _timed(lambda: scan_module(data, "bench"))
        print(f"scan {args.scan} ({len(data):,} bytes): {took:.2f} s")


def _timed(action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


if __name__ == "__main__":
    main()
