"""End to end, with the real aws-cdk-lib 2: a CDK v1-style app (the analyses' failing style:
`from aws_cdk import core`, `core.Construct`, `core.Tag.add`, TypeScript-cased keywords, the
deprecated DynamoDB `point_in_time_recovery`, `Alarm(period=...)`, a v1 requirements.txt and
setup.py) fails on CDK v2; iacfix's IAC103, IAC104, IAC106 and IAC107 fix it, and the fixed app
synthesizes what it meant.

Each run starts Node.js (jsii, 10-20 s): the "before" run shows every defect in one process (the
app as written, then a probe of each v1 API on its own), and the "after" run is the synth itself.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600

_APP = '''\
from aws_cdk import (
    core,
    aws_s3 as s3,
    aws_dynamodb as dynamodb,
    aws_cloudwatch as cloudwatch,
)
from aws_cdk.core import Duration
import aws_cdk.aws_sqs as sqs


class DataStack(core.Stack):
    def __init__(self, scope: core.Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = s3.Bucket(self, "Logs", bucketName="iacfix-e2e-logs", enforceSSL=True,
                           removal_policy=core.RemovalPolicy.DESTROY)
        core.Tag.add(bucket, "team", "data")
        dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery=True,
        )
        queue = sqs.Queue(self, "Jobs", visibility_timeout=Duration.minutes(5))
        cloudwatch.Alarm(
            self,
            "Backlog",
            metric=cloudwatch.Metric(
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions_map={"QueueName": queue.queue_name},
                statistic="Maximum"
            ),
            threshold=100,
            evaluation_periods=1,
            period=Duration.minutes(1),
        )
        core.CfnOutput(self, "Token", value=core.SecretValue.plain_text("dev-token").unsafe_unwrap())


app = core.App()
DataStack(app, "DataStack")
app.synth()
'''

_REQUIREMENTS = "aws-cdk.core==1.204.0\naws-cdk.aws-s3==1.204.0\naws-cdk.aws-dynamodb==1.204.0\n" \
                "aws-cdk.aws-sqs==1.204.0\nconstructs>=3.3.69,<4.0.0\n"

_SETUP = """import setuptools

setuptools.setup(
    name="data",
    install_requires=[
        "aws-cdk.core==1.204.0",
        "aws-cdk.aws-s3==1.204.0",
    ],
)
"""

# Run in the app's folder: the app as written (its first failure), then each v1 API on its own.
_BEFORE = """
import json, runpy
result = {}
try:
    runpy.run_path("app.py", run_name="__main__")
    result["app"] = "ok"
except Exception as error:
    result["app"] = f"{type(error).__name__}: {error}"
import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch, aws_s3 as s3
result["core"] = hasattr(cdk, "core")
result["Construct"] = hasattr(cdk, "Construct")
result["Tag.add"] = hasattr(cdk.Tag, "add")
stack = cdk.Stack(cdk.App(), "Probe")
try:
    s3.Bucket(stack, "Bucket", bucketName="x")
    result["bucketName"] = "ok"
except Exception as error:
    result["bucketName"] = f"{type(error).__name__}: {error}"
try:
    cloudwatch.Alarm(stack, "Alarm", metric=cloudwatch.Metric(namespace="A", metric_name="B"), threshold=1,
                     evaluation_periods=1, period=cdk.Duration.minutes(1))
    result["period"] = "ok"
except Exception as error:
    result["period"] = f"{type(error).__name__}: {error}"
print("RESULT " + json.dumps(result))
"""


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1", **env}
    return subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)


def _result(run: subprocess.CompletedProcess[str]) -> dict[str, object]:
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"no result line:\n{run.stdout}\n{run.stderr}"
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.fixture(scope="module", autouse=True)
def _libraries() -> None:
    # CI installs the test extra: a missing library is a broken environment, not a reason to skip.
    missing = [name for name in ("aws_cdk", "constructs") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"e2e tests need {missing} (pip install -e '.[test]')")


def test_cdk_v1_app_fails_then_synthesizes_after_iacfix(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text(_APP)
    (app / "requirements.txt").write_text(_REQUIREMENTS)
    (app / "setup.py").write_text(_SETUP)

    before = _result(_run([sys.executable, "-c", _BEFORE], app))
    assert str(before["app"]).startswith("ImportError: cannot import name 'core'"), before
    assert before["core"] is False and before["Construct"] is False and before["Tag.add"] is False, before
    assert str(before["bucketName"]).startswith("TypeError"), before
    assert str(before["period"]).startswith("TypeError"), before

    fixed = _run([sys.executable, "-m", "iacfix", "--no-cache", str(app)], ROOT)
    assert fixed.returncode in (0, 1), fixed.stderr
    source = (app / "app.py").read_text()
    assert "core" not in source and "from constructs import Construct" in source, source
    assert (app / "requirements.txt").read_text() == "aws-cdk-lib>=2.0.0,<3.0.0\nconstructs>=10.0.0,<11.0.0\n"
    assert (app / "setup.py").read_text() == _SETUP.replace(
        '"aws-cdk.core==1.204.0",\n        "aws-cdk.aws-s3==1.204.0",',
        '"aws-cdk-lib>=2.0.0,<3.0.0",\n        "constructs>=10.0.0,<11.0.0",')

    out = tmp_path / "cdk.out"
    synth = _run([sys.executable, "app.py"], app, CDK_OUTDIR=str(out))
    assert synth.returncode == 0, f"{source}\n{synth.stderr}"
    template = json.loads((out / "DataStack.template.json").read_text())
    resources = template["Resources"].values()
    by_type: dict[str, list[dict]] = {}
    for resource in resources:
        by_type.setdefault(resource["Type"], []).append(resource.get("Properties", {}))
    (bucket,) = by_type["AWS::S3::Bucket"]
    # IAC104 renamed bucketName; IAC203 (all rules run) made the global name the account's own.
    assert bucket["BucketName"] == {"Fn::Join": ["", ["iacfix-e2e-logs-", {"Ref": "AWS::AccountId"}]]}
    assert {"Key": "team", "Value": "data"} in bucket["Tags"]
    assert "AWS::S3::BucketPolicy" in by_type  # enforce_ssl=True took effect
    (table,) = by_type["AWS::DynamoDB::Table"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    (queue,) = by_type["AWS::SQS::Queue"]
    assert queue["VisibilityTimeout"] == 300
    (alarm,) = by_type["AWS::CloudWatch::Alarm"]
    assert (alarm["Period"], alarm["Statistic"], alarm["Threshold"]) == (60, "Maximum", 100)
    assert template["Outputs"]["Token"]["Value"] == "dev-token"
