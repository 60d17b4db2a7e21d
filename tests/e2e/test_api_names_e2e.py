"""End to end, with the real aws-cdk-lib / cdktf packages: the apps of `apps/api_names/` fail as
the analyses say (ImportError, AttributeError, the CDK synth error), iacfix's IAC101, IAC102 and
IAC105 fix them, and the fixed apps synthesize the resources they meant.

Each run of an app starts Node.js (jsii) and loads the libraries' assemblies (10-20 s), so the
two apps run side by side, and every defect of an app is shown by one run: the app itself (its
first failure) plus probes of the other defects in the same process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent / "apps" / "api_names"
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600

# Run in the app's copy: the app as written (its first failure), then each defect on its own.
_CDKTF_BEFORE = """
import importlib, json, runpy, sys
result = {}
try:
    runpy.run_path("main.py", run_name="__main__")
    result["app"] = "ok"
except Exception as error:
    result["app"] = f"{type(error).__name__}: {error}"
for module, name in [
    ("s3_bucket_versioning", "S3BucketVersioning"),
    ("s3_bucket_server_side_encryption_configuration", "S3BucketServerSideEncryptionConfiguration"),
    ("s3_bucket_server_side_encryption_configuration",
     "S3BucketServerSideEncryptionConfigurationRuleAApplyServerSideEncryptionByDefault"),
    ("dynamodb_table", "DynamodbTableStreamSpecification"),
]:
    result[name] = hasattr(importlib.import_module("cdktf_cdktf_provider_aws." + module), name)
print("RESULT " + json.dumps(result))
"""

_CDK_BEFORE = """
import json, runpy
result = {}
try:
    runpy.run_path("app.py", run_name="__main__")
    result["app"] = "ok"
except Exception as error:
    result["app"] = f"{type(error).__name__}: {error}"
import aws_cdk as cdk
from aws_cdk import aws_cloudwatch, aws_dynamodb, aws_lambda, aws_sns
for module, name in [(aws_lambda, "LogGroup"), (aws_lambda, "RetentionDays"), (aws_cloudwatch, "SnsAction"),
                     (aws_sns, "LambdaSubscription")]:
    result[name] = hasattr(module, name)
stack = cdk.Stack(cdk.App(), "Probe")
table = aws_dynamodb.Table(stack, "Table", partition_key=aws_dynamodb.Attribute(
    name="id", type=aws_dynamodb.AttributeType.STRING))
try:
    table.metric_successful_request_latency()
    result["latency"] = "ok"
except Exception as error:
    result["latency"] = f"{type(error).__name__}: {error}"
print("RESULT " + json.dumps(result))
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def result(self) -> dict[str, object]:
        lines = [line for line in self.stdout.splitlines() if line.startswith("RESULT ")]
        assert lines, f"the probe printed no result:\n{self.stdout}\n{self.stderr[-3000:]}"
        return json.loads(lines[-1][len("RESULT "):])


def _require_libraries() -> None:
    missing = [name for name in ("aws_cdk", "constructs", "cdktf", "cdktf_cdktf_provider_aws")
               if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"e2e tests need {', '.join(missing)}: install the test extra (pip install -e '.[test]')")
    if shutil.which("node") is None:
        pytest.fail("e2e tests need Node.js on PATH (jsii runs the CDK libraries in it)")


def _start(args: list[str], cwd: Path, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
                   "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1", **env}
    return subprocess.Popen([sys.executable, *args], cwd=cwd, env=environment, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(process: subprocess.Popen[str]) -> Run:
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return Run(process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Both apps: before (side by side), iacfix, after (side by side)."""
    _require_libraries()
    work = tmp_path_factory.mktemp("api_names")
    cdktf_app, cdk_app = work / "cdktf_storage", work / "cdk_payments"
    shutil.copytree(APPS / "cdktf_storage", cdktf_app)
    shutil.copytree(APPS / "cdk_payments", cdk_app)
    before = {"cdktf": _start(["-c", _CDKTF_BEFORE], cdktf_app, CDKTF_OUTDIR=str(work / "cdktf-before")),
              "cdk": _start(["-c", _CDK_BEFORE], cdk_app, CDK_OUTDIR=str(work / "cdk-before"))}
    found = {f"{key}_before": _wait(process) for key, process in before.items()}
    # The API index of the installed libraries (not the shipped one): what a user's run sees.
    iacfix = subprocess.run(
        [sys.executable, "-m", "iacfix", "--no-cache", "--output-format", "json", "--select", "IAC101,IAC102,IAC105",
         str(work)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "IACFIX_API_INDEX": ""},
        text=True, capture_output=True, timeout=TIMEOUT, check=False)
    found["iacfix"] = Run(iacfix.returncode, iacfix.stdout, iacfix.stderr)
    after = {"cdktf": _start(["main.py"], cdktf_app, CDKTF_OUTDIR=str(work / "cdktf.out")),
             "cdk": _start(["app.py"], cdk_app, CDK_OUTDIR=str(work / "cdk.out"))}
    found.update({f"{key}_after": _wait(process) for key, process in after.items()})
    found["work"] = work  # type: ignore[assignment]
    return found


def test_apps_fail_before_the_fix(runs: dict[str, Run]) -> None:
    cdktf = runs["cdktf_before"].result()
    # The first bad import stops the app; the probes show the others would too.
    assert str(cdktf["app"]).startswith("ImportError: cannot import name 'DynamodbTableStreamSpecification'"), cdktf
    assert cdktf == {**cdktf, "S3BucketVersioning": False, "S3BucketServerSideEncryptionConfiguration": False,
                     "S3BucketServerSideEncryptionConfigurationRuleAApplyServerSideEncryptionByDefault": False,
                     "DynamodbTableStreamSpecification": False}
    cdk = runs["cdk_before"].result()
    assert str(cdk["app"]).startswith("AttributeError:") and "LogGroup" in str(cdk["app"]), cdk
    assert cdk == {**cdk, "LogGroup": False, "RetentionDays": False, "SnsAction": False, "LambdaSubscription": False}
    assert "'Operation' dimension must be passed for the 'SuccessfulRequestLatency' metric" in str(cdk["latency"])


def test_iacfix_fixes_every_defect(runs: dict[str, Run]) -> None:
    run = runs["iacfix"]
    assert run.returncode == 0, run.stderr  # nothing left to report
    findings = [finding for file in json.loads(run.stdout)["files"] for finding in file["findings"]]
    assert sorted(f["code"] for f in findings) == ["IAC101"] * 4 + ["IAC102"] * 5 + ["IAC105"], findings
    assert all(f["fixed"] for f in findings), findings
    work = Path(str(runs["work"]))  # type: ignore[arg-type]
    storage = (work / "cdktf_storage" / "main.py").read_text()
    assert "DynamodbTableStreamSpecification" not in storage and "S3BucketVersioningA(" in storage
    payments = (work / "cdk_payments" / "app.py").read_text()
    assert "aws_logs as logs" in payments and "cw_actions.SnsAction(" in payments


def test_fixed_cdktf_app_synthesizes(runs: dict[str, Run]) -> None:
    run = runs["cdktf_after"]
    assert run.returncode == 0, run.stderr[-3000:]
    work = Path(str(runs["work"]))  # type: ignore[arg-type]
    synthesized = json.loads((work / "cdktf.out" / "stacks" / "storage" / "cdk.tf.json").read_text())
    resources = synthesized["resource"]
    (versioning,) = resources["aws_s3_bucket_versioning"].values()
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    (encryption,) = resources["aws_s3_bucket_server_side_encryption_configuration"].values()
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}
    (table,) = resources["aws_dynamodb_table"].values()
    assert table["stream_enabled"] is True


def test_fixed_cdk_app_synthesizes(runs: dict[str, Run]) -> None:
    run = runs["cdk_after"]
    assert run.returncode == 0, run.stderr[-3000:]
    work = Path(str(runs["work"]))  # type: ignore[arg-type]
    template = json.loads((work / "cdk.out" / "Payments.template.json").read_text())
    by_type: dict[str, list[dict[str, object]]] = {}
    for resource in template["Resources"].values():
        by_type.setdefault(resource["Type"], []).append(resource.get("Properties", {}))
    (log_group,) = by_type["AWS::Logs::LogGroup"]
    assert log_group["RetentionInDays"] == 7
    (subscription,) = by_type["AWS::SNS::Subscription"]
    assert subscription["Protocol"] == "lambda"
    alarms = by_type["AWS::CloudWatch::Alarm"]
    latency = [alarm for alarm in alarms if alarm.get("MetricName") == "SuccessfulRequestLatency"]
    assert len(latency) == 1
    assert {"Name": "Operation", "Value": "GetItem"} in latency[0]["Dimensions"]  # type: ignore[operator]
    assert all(alarm.get("AlarmActions") for alarm in alarms), "every alarm notifies the ops topic"
