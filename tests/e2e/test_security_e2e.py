"""End to end: a CDK app and a CDKTF app with the security defects, fixed by iacfix, synthesized
with the real packages, and the synthesized output shows each fix (IAC201-203, IAC403/404,
IAC501-504).

The synth runs offline in a subprocess with this interpreter (the venv with the `test` extra).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PACKAGES = ("aws_cdk", "constructs", "cdktf", "cdktf_cdktf_provider_aws")

CDK_STACK = '''\
"""A CDK stack with the defects the security rules fix."""
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class TapStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        kms.Key(self, "DataKey", description="data at rest")
        logs.LogGroup(self, "AppLogs", log_group_name=f"/app/orders-{environment_suffix}")
        s3.Bucket(self, "Data", bucket_name=f"tap-data-{environment_suffix}", removal_policy=RemovalPolicy.RETAIN)
        sqs.Queue(self, "Orders", queue_name="orders")
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_9,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\\n    return event\\n"),
        )
        handler.add_to_role_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=["arn:aws:logs:*:*:log-group:/aws/lambda/orders:*"],
        ))
        dynamodb.CfnGlobalTable(
            self,
            "Sessions",
            attribute_definitions=[dynamodb.CfnGlobalTable.AttributeDefinitionProperty(
                attribute_name="pk", attribute_type="S")],
            key_schema=[dynamodb.CfnGlobalTable.KeySchemaProperty(attribute_name="pk", key_type="HASH")],
            replicas=[dynamodb.CfnGlobalTable.ReplicaSpecificationProperty(region="us-east-1"),
                      dynamodb.CfnGlobalTable.ReplicaSpecificationProperty(region="us-west-2")],
            billing_mode="PAY_PER_REQUEST",
        )
'''

CDKTF_STACK = '''\
"""A CDKTF stack with the defects the security rules fix."""
import json

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute, DynamodbTableReplica
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from constructs import Construct


class TapStack(TerraformStack):
    def __init__(self, scope: Construct, construct_id: str, environment_suffix: str, role_arn: str):
        super().__init__(scope, construct_id)
        AwsProvider(self, "aws", region="us-east-1")
        KmsKey(self, "key", description="state encryption")
        CloudwatchLogGroup(self, "logs", name=f"/app/orders-{environment_suffix}")
        S3Bucket(self, "data", bucket=f"tap-data-{environment_suffix}")
        DynamodbTable(
            self,
            "orders",
            name=f"orders-{environment_suffix}",
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            attribute=[DynamodbTableAttribute(name="pk", type="S")],
            replica=[DynamodbTableReplica(region_name="us-west-2")],
        )
        LambdaFunction(self, "fn", function_name=f"orders-{environment_suffix}", role=role_arn,
                       handler="index.handler", runtime="python3.9", filename="lambda.zip")
        self._logs_policy()

    def _logs_policy(self) -> None:
        IamPolicy(self, "logs_policy", policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents",
                           "Resource": "arn:aws:logs:us-east-1:*:log-group:/aws/lambda/orders:*"}],
        }))
'''

CDK_APP = '''\
import sys

from aws_cdk import App

from lib.tap_stack import TapStack

app = App(outdir=sys.argv[1])
TapStack(app, "TapStack", environment_suffix="dev")
app.synth()
'''

CDKTF_APP = '''\
import sys

from cdktf import App

from lib.tap_stack import TapStack

app = App(outdir=sys.argv[1])
TapStack(app, "tap", environment_suffix="dev", role_arn="arn:aws:iam::123456789012:role/lambda")
app.synth()
'''

# An ARN whose account field (the fifth) is `*`, after tokens are rendered as `<token>`.
WILDCARD_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[^:]*:\*:")


@pytest.fixture(scope="module", autouse=True)
def _packages() -> None:
    missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"e2e tests need {', '.join(missing)}: install the test extra (pip install -e '.[test]')")


def _project(tmp_path: Path, stack: str, app: str) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "tap_stack.py").write_text(stack)
    (tmp_path / "app.py").write_text(app)
    return tmp_path


def _iacfix(project: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "iacfix", "lib"], cwd=project, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode in (0, 1), result.stderr
    return (project / "lib" / "tap_stack.py").read_text()


def _synth(project: Path) -> Path:
    out = project / "out"
    result = subprocess.run([sys.executable, "app.py", str(out)], cwd=project, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, f"synth failed:\n{result.stdout}\n{result.stderr}"
    return out


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _render(value: Any) -> str:
    """A CloudFormation value as text, `Ref`s and other intrinsics as `<token>`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part) for part in parts)
    if isinstance(value, dict) and value.get("Ref") == "AWS::AccountId":
        return "<account>"
    return "<token>"


def test_cdk_app_synthesizes_with_the_fixes(tmp_path: Path) -> None:
    project = _project(tmp_path, CDK_STACK, CDK_APP)
    fixed = _iacfix(project)
    assert "self.account" in fixed and "PYTHON_3_12" in fixed
    template = json.loads((_synth(project) / "TapStack.template.json").read_text())

    [key] = _of_type(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True  # IAC501
    [log_group] = _of_type(template, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["RetentionInDays"] == 7  # IAC502
    [bucket] = _of_type(template, "AWS::S3::Bucket")
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {  # IAC202
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert _render(bucket["Properties"]["BucketName"]) == "tap-data-dev-<account>"  # IAC203
    assert bucket["DeletionPolicy"] == "Delete"  # IAC404
    assert _of_type(template, "Custom::S3AutoDeleteObjects")  # auto_delete_objects=True with it
    [queue] = _of_type(template, "AWS::SQS::Queue")
    assert queue["Properties"]["QueueName"] == "orders-dev"  # IAC504
    [function] = [f for f in _of_type(template, "AWS::Lambda::Function") if "ZipFile" in f["Properties"]["Code"]]
    assert function["Properties"]["Runtime"] == "python3.12"  # IAC503
    [table] = _of_type(template, "AWS::DynamoDB::GlobalTable")
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}  # IAC403

    resources = [_render(r) for p in _of_type(template, "AWS::IAM::Policy")
                 for s in p["Properties"]["PolicyDocument"]["Statement"]
                 for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert "arn:aws:logs:*:<account>:log-group:/aws/lambda/orders:*" in resources  # IAC201
    assert not [r for r in resources if WILDCARD_ACCOUNT.search(r)]


def test_cdktf_app_synthesizes_with_the_fixes(tmp_path: Path) -> None:
    project = _project(tmp_path, CDKTF_STACK, CDKTF_APP)
    fixed = _iacfix(project)
    assert "DataAwsCallerIdentity(self, \"current\")" in fixed
    config = json.loads((_synth(project) / "stacks" / "tap" / "cdk.tf.json").read_text())
    resources, data = config["resource"], config["data"]

    assert "current" in data["aws_caller_identity"]
    account = "${data.aws_caller_identity.current.account_id}"
    [key] = resources["aws_kms_key"].values()
    assert key["enable_key_rotation"] is True  # IAC501
    [log_group] = resources["aws_cloudwatch_log_group"].values()
    assert log_group["retention_in_days"] == 7  # IAC502
    [bucket] = resources["aws_s3_bucket"].values()
    assert bucket["bucket"] == f"tap-data-dev-{account}"  # IAC203
    [block] = resources["aws_s3_bucket_public_access_block"].values()  # IAC202
    assert block["bucket"] == "${aws_s3_bucket.data.id}"
    assert all(block[setting] is True for setting in
               ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    [table] = resources["aws_dynamodb_table"].values()
    assert table["stream_enabled"] is True and table["stream_view_type"] == "NEW_AND_OLD_IMAGES"  # IAC403
    [function] = resources["aws_lambda_function"].values()
    assert function["runtime"] == "python3.12"  # IAC503

    [policy] = resources["aws_iam_policy"].values()
    [statement] = json.loads(policy["policy"])["Statement"]
    region = "${data.aws_region.current_region.region}"
    assert statement["Resource"] == f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/orders:*"  # IAC201
    assert not WILDCARD_ACCOUNT.search(policy["policy"])
