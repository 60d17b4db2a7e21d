"""IAC101, IAC102, IAC105 beyond the fixtures: the exact messages (each names the wrong and the
right name), suppression, the pre-check that keeps files with right names away from libcst, and
the import-list edits on their own."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from iacfix.codemods._api_names import file_names, without_a
from iacfix.codemods._context import FileContext
from iacfix.codemods._engine import fix_source
from iacfix.codemods._import_edits import new_alias, with_name, without_names
from iacfix.codemods.unknown_provider_class import UnknownProviderClass
from iacfix.codemods.wrong_module_name import WrongModuleName
from iacfix.settings import Settings


def _fix(source: str, code: str, **settings: object) -> tuple[str, list[tuple[str, bool]]]:
    chosen = Settings(select=(code,), **settings)  # type: ignore[arg-type]
    result = fix_source(textwrap.dedent(source), "stack.py", chosen)
    assert result.error is None and not result.internal_errors
    return result.new.decode(), [(f.message, f.fixed) for f in result.findings]


def test_provider_messages() -> None:
    _, found = _fix("""
        from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning
        from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableStreamSpecification
        from cdktf_cdktf_provider_aws.vpc import DataAwsVpc
        from cdktf_cdktf_provider_aws.wafv2_web_acl import Wafv2WebAclRuleStatement
        from cdktf_cdktf_provider_aws.iam_policy_document import IamPolicyDocument
        print(S3BucketVersioning, DynamodbTable, DataAwsVpc, Wafv2WebAclRuleStatement, IamPolicyDocument)
        """, "IAC101")
    assert found == [
        ("`s3_bucket_versioning` has no `S3BucketVersioning`; it is `S3BucketVersioningA`", True),
        ("`dynamodb_table` has no `DynamodbTableStreamSpecification` (unused: dropped from the import)", True),
        ("`vpc` has no `DataAwsVpc`; it is in `data_aws_vpc`", True),
        # The provider leaves `statement` untyped (too deep for jsii): no class is the fix, a dict is.
        (("`wafv2_web_acl` has no `Wafv2WebAclRuleStatement`; the provider has no class for it: "
          "`Wafv2WebAclRule(statement=...)` takes a plain dict"), False),
        (("`cdktf_cdktf_provider_aws` has no module `iam_policy_document`; closest: `data_aws_iam_policy_document`, "
          "`iam_policy_attachment`, `iam_user_policy_attachment`"), False),
    ]


def test_a_variant_ignores_where_the_a_sits() -> None:
    assert without_a("S3BucketServerSideEncryptionConfigurationRuleAApplyServerSideEncryptionByDefault") == \
        without_a("S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA")
    assert without_a("S3BucketVersioningAConfig") == "S3BucketVersioningConfig"
    assert without_a("DataAwsApiGatewayApiKey") == "DataAwsApiGatewayApiKey"  # `Aws`, `Api` are words


def test_name_listed_in_all_is_not_dropped() -> None:
    source = """
        from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTableStreamSpecification
        __all__ = ["DynamodbTableStreamSpecification"]
        """
    new, found = _fix(source, "IAC101")
    assert new == textwrap.dedent(source)
    assert [fixed for _, fixed in found] == [False]


def test_suppressed_rename_leaves_every_use() -> None:
    source = """
        from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning  # iacfix: ignore[IAC101]
        versioning = S3BucketVersioning
        """
    new, found = _fix(source, "IAC101")
    assert new == textwrap.dedent(source) and not found


def test_cdk_messages() -> None:
    new, found = _fix("""
        from aws_cdk import aws_lambda as lambda_, aws_ec2 as ec2, aws_sns as sns
        logs = []
        logs.append(lambda_.LogGroup)
        ec2.NetworkAclAssociation
        sns.Runtime
        """, "IAC102")
    assert found == [
        ("`aws_lambda` has no `LogGroup`; it is in `aws_logs` (imported as `aws_logs`: `logs` is taken)", True),
        (("`aws_ec2` has no `NetworkAclAssociation`; closest: `SubnetNetworkAclAssociation`, "
          "`ISubnetNetworkAclAssociation`, `CfnSubnetNetworkAclAssociation`"), False),
        ("`aws_sns` has no `Runtime`; it is in `aws_bedrockagentcore`, `aws_lambda`, `aws_synthetics`: pick one",
         False),
    ]
    assert "from aws_cdk import aws_lambda as lambda_, aws_ec2 as ec2, aws_sns as sns, aws_logs\n" in new
    assert "logs.append(aws_logs.LogGroup)" in new


def test_cdk_v1_core_is_left_to_iac103() -> None:
    source = "from aws_cdk import core\nimport aws_cdk.core as cdk\ncore.App()\n"
    assert _fix(source, "IAC102") == (source, [])


def test_alias_reused_or_added_once() -> None:
    new, _ = _fix("""
        from aws_cdk import aws_cloudwatch as cloudwatch
        a = cloudwatch.SnsAction(topic)
        b = cloudwatch.SnsAction(topic)
        """, "IAC102")
    assert new.count("aws_cloudwatch_actions as cw_actions") == 1 and new.count("cw_actions.SnsAction") == 2


def test_new_import_stays_within_the_line_length() -> None:
    new, _ = _fix("""
        from aws_cdk import aws_cloudwatch as cloudwatch, aws_dynamodb as dynamodb, aws_lambda as lambda_
        lambda_.LogGroup
        """, "IAC102", line_length=100)
    assert "\nfrom aws_cdk import aws_logs as logs\n" in new


def test_metric_messages() -> None:
    _, found = _fix("""
        from aws_cdk import aws_dynamodb as dynamodb
        def alarms(table, options, dims):
            table.metric_successful_request_latency()
            table.metric_successful_request_latency(**options)
            table.metric_successful_request_latency(dimensions_map=dims)
        """, "IAC105")
    problem = "`metric_successful_request_latency()` has no `Operation` dimension: synth fails"
    assert found == [(f"{problem} (adds `Operation: GetItem`)", False),  # unsafe: what `table` is is unknown
                     (f"{problem} unless `**` passes one", False),
                     (f"{problem} unless `dimensions_map` has one", False)]


@pytest.mark.parametrize(("rule", "source", "wanted"), [
    (UnknownProviderClass, "from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket\n", False),
    (UnknownProviderClass, "from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning\n", True),
    (UnknownProviderClass, "import os\n", False),
    (WrongModuleName, "from aws_cdk import aws_logs as logs\nlogs.LogGroup\n", False),
    (WrongModuleName, "from aws_cdk import aws_lambda as lambda_\nlambda_.LogGroup\n", True),
    (WrongModuleName, "import aws_cdk.aws_lambda as lambda_\nlambda_.LogGroup\n", True),
])
def test_files_with_right_names_never_reach_libcst(rule: type, source: str, wanted: bool) -> None:
    context = FileContext("stack.py", source, Settings())
    assert rule.wants(source, context) is wanted


def test_unrelated_files_are_not_even_parsed() -> None:
    file_names.cache_clear()
    text = "import os\nprint(os.sep)\n"
    assert not WrongModuleName.wants(text, FileContext("x.py", text, Settings()))
    assert file_names.cache_info().misses == 0


def _from(code: str) -> cst.ImportFrom:
    statement = cst.parse_statement(code)
    assert isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.ImportFrom)
    return statement.body[0]


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


@pytest.mark.parametrize(("source", "drop", "expected"), [
    ("from m import A, B, C", {1}, "from m import A, C"),
    ("from m import A, B, C", {2}, "from m import A, B"),
    ("from m import (\n    A,  # a\n    B,\n)", {1}, "from m import (\n    A,  # a\n)"),
    ("from m import (\n    A,  # a\n    B\n)", {1}, "from m import (\n    A,  # a\n)"),
    ("from m import (\n    A,\n    B,  # b\n    C,\n)", {1}, "from m import (\n    A,\n    C,\n)"),
    ("from m import (A,\n               B)", {1}, "from m import A"),
])
def test_without_names(source: str, drop: set[int], expected: str) -> None:
    assert _code(without_names(_from(source), drop)) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("from m import a, c", "from m import a, b, c"),
    ("from m import c, a", "from m import c, a, b"),
    ("from m import (\n    a,  # first\n)", "from m import (\n    a,  # first\n    b,\n)"),
    ("from m import (\n    X, Y,\n    c\n)", "from m import (\n    X, Y,\n    b,\n    c\n)"),
    ("from m import (\n    a,\n    c\n)", "from m import (\n    a,\n    b,\n    c\n)"),
])
def test_with_name(source: str, expected: str) -> None:
    assert _code(with_name(_from(source), new_alias("b"))) == expected
