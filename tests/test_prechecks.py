"""A rule's pre-check (`TRIGGERS` / `wants`) only saves time: it must never hide a finding.

Every fixture file is fixed with all rules, as usual and with every pre-check forced to say
yes; findings and output must be the same. `bench/prechecks.py DIR` does this on any corpus.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from iacfix.codemods import ALL_RULES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from prechecks import DECISIVE, compare, forced_prechecks  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_files() -> list[tuple[str, bytes]]:
    paths = [p for p in sorted(FIXTURES.glob("*/*.py")) if not p.name.endswith(".after.py")]
    return [(str(path), path.read_bytes()) for path in paths]


def test_prechecks_hide_no_finding_on_the_fixtures() -> None:
    files = _fixture_files()
    differ, fires = compare(files, ALL_RULES)
    assert not differ, "\n".join(differ)
    # The comparison is only worth something if the rules fire on these files.
    silent = {rule.CODE for rule in ALL_RULES if rule.UNIT_KIND == "python"} - set(fires) - DECISIVE
    # IAC300 audits suppressions; the project rules (IAC401, IAC402) judge folders, not single files.
    assert silent <= {"IAC300", "IAC401", "IAC402"}, f"rules that fire on no fixture: {sorted(silent)}"


def test_forcing_restores_the_prechecks() -> None:
    rule = next(r for r in ALL_RULES if r.CODE == "IAC504")
    with forced_prechecks([rule]):
        assert rule.wants("nothing to see", None)  # type: ignore[arg-type]
    assert not rule.wants("nothing to see", None)  # type: ignore[arg-type]


# --- the tightened pre-checks: a file the rule fires on is wanted, a near miss is not -----------

def _wants(code: str, text: str, tmp_path: Path) -> bool:
    from iacfix.codemods._context import FileContext
    from iacfix.settings import Settings

    rule = next(r for r in ALL_RULES if r.CODE == code)
    path = tmp_path / "stack.py"
    path.write_text(text)
    return rule.wants(text, FileContext(str(path), text, Settings()))


def _fires(code: str, text: str, tmp_path: Path) -> bool:
    """Whether the rule finds anything with its pre-check forced to say yes."""
    from iacfix.codemods._engine import fix_source

    rule = next(r for r in ALL_RULES if r.CODE == code)
    path = tmp_path / "stack.py"
    path.write_text(text)
    with forced_prechecks([rule]):
        result = fix_source(text, str(path), rules=[rule])
    return any(finding.code == code for finding in result.findings)


def _judgement(code: str, text: str, tmp_path: Path) -> tuple[bool, bool]:
    """(the rule fires, its pre-check wants the file): a tightened pre-check says the same."""
    return _fires(code, text, tmp_path), _wants(code, text, tmp_path)


_CDK_STACK = '''from aws_cdk import Stack, aws_s3 as s3, aws_lambda as lambda_


class AppStack(Stack):
    def __init__(self, scope, construct_id, environment_suffix: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        {line}
'''


# rule -> (lines above the stack, lines in it the rule fires on, near misses it must pass over)
_STACK_CASES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "IAC504": ("", ('s3.Bucket(self, "Data", bucket_name="app-data")',),
               ('s3.Bucket(self, "Data", bucket_name=f"app-data-{environment_suffix}")',
                's3.Bucket(self, "Data", bucket_name=f"app-{self.stage}-data")',
                'lambda_.Function(self, "Fn", function_name=self.node.id)',
                'ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)')),
    "IAC202": ("", ('s3.Bucket(self, "Data", versioned=True)',),
               ('s3.Bucket(self, "Data", block_public_access=s3.BlockPublicAccess.BLOCK_ALL)',
                's3.Bucket(self, "Data", **bucket_props)', 's3.Bucket.from_bucket_name(self, "B", "name")')),
    "IAC501": ("from aws_cdk import aws_kms as kms\n",
               ('kms.Key(self, "Key", key_usage=kms.KeyUsage.ENCRYPT_DECRYPT)',),
               ('kms.Key(self, "Key", enable_key_rotation=True)', 'kms.Key(self, "Key", **props)',
                'kms.Key(self, "Key", key_spec=kms.KeySpec.RSA_2048)',
                'kms.CfnKey(self, "Key", key_usage="SIGN_VERIFY")')),
    "IAC203": ("", ('s3.Bucket(self, "Data", bucket_name="app-data")',),
               ('s3.Bucket(self, "Data", bucket_name=f"app-data-{self.account}")',
                's3.Bucket(self, "Data", bucket_name=f"app-{Stack.of(self).account}-data")',
                's3.Bucket(self, "Data", bucket_name=name_for("data"))', 's3.Bucket(self, "Data")')),
    "IAC204": ("from aws_cdk import aws_iam as iam\n",
               ('iam.PolicyStatement(actions=["s3:*"], resources=["*"])',
                'policy = {"Effect": "Allow", "Action": "*", "Resource": "*"}'),
               ('iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"], conditions={"k": "*"})',
                'iam.PolicyStatement(actions=["s3:*"], resources=[bucket.arn_for_objects("*")])',
                'policy = {"Action": "logs:*", "Resource": arn, "Sid": "*"}')),
    "IAC205": ("from aws_cdk import aws_apigateway as apigw\n", ('apigw.ApiKey(self, "Key")',),
               ('key = apigw.ApiKey(self, "Key"); api.add_usage_plan("Plan").add_api_key(key)',
                'api = apigw.RestApi(self, "Api", api_key_source_type=apigw.ApiKeySourceType.HEADER)')),
    "IAC404": ("from aws_cdk import RemovalPolicy\n",
               ('s3.Bucket(self, "Data", removal_policy=RemovalPolicy.RETAIN)',
                'table.apply_removal_policy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)'),
               ('policy = RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY',
                's3.Bucket(self, "Data", removal_policy=RemovalPolicy.DESTROY)  # not RemovalPolicy.RETAIN')),
}


@pytest.mark.parametrize("code", sorted(_STACK_CASES))
def test_a_tightened_precheck_wants_what_its_rule_fires_on_and_passes_over_near_misses(code: str,
                                                                                       tmp_path: Path) -> None:
    head, fired, missed = _STACK_CASES[code]
    for line in fired:
        assert _judgement(code, head + _CDK_STACK.format(line=line), tmp_path) == (True, True), line
    for line in missed:
        assert _judgement(code, head + _CDK_STACK.format(line=line), tmp_path) == (False, False), line


def test_suffix_precheck_wants_the_name_keyword_of_a_cdktf_resource(tmp_path: Path) -> None:
    text = '''from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue as Queue


class AppStack(TerraformStack):
    def __init__(self, scope, id, environment_suffix: str) -> None:
        super().__init__(scope, id)
        Queue(self, "q", name="orders")
'''
    assert _judgement("IAC504", text, tmp_path) == (True, True)


def test_asset_precheck_wants_a_relative_literal_path_only(tmp_path: Path) -> None:
    wanted = ('lambda_.Code.from_asset("lambda/processor")', 'lambda_.AssetCode(path="src")',
              'LambdaFunction(self, "f", filename="function.zip")',
              'lambda_.DockerImageCode.from_image_asset(directory="docker")')
    for line in wanted:
        assert _wants("IAC402", _CDK_STACK.format(line=line), tmp_path), line
    passed_over = ('lambda_.Code.from_asset("lib/lambda/processor")',
                   'lambda_.Code.from_asset(os.path.join(HERE, "x"))',
                   'lambda_.Code.from_asset(f"{root}/lambda")', 'lambda_.Code.from_asset("/opt/lambda")',
                   'lambda_.Code.from_asset("../lambda")', 'open(filename="lambda/processor")',
                   'TerraformAsset(self, "a", "lambda")')
    for line in passed_over:
        assert not _wants("IAC402", _CDK_STACK.format(line=line), tmp_path), line


def test_asset_precheck_wants_a_file_the_rule_fixes(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}\n')
    (tmp_path / "lib" / "lambda").mkdir(parents=True)
    (tmp_path / "lib" / "lambda" / "index.py").write_text("def handler(event, context):\n    return event\n")
    text = _CDK_STACK.format(line='lambda_.Code.from_asset("lambda")')
    assert _judgement("IAC402", text, tmp_path) == (True, True)


def test_line_length_precheck_does_not_tokenize_but_skips_short_and_silenced_lines(tmp_path: Path) -> None:
    long_call = "x = call(" + ", ".join(f"argument_{i}" for i in range(20)) + ")\n"
    assert _judgement("IAC303", long_call, tmp_path) == (True, True)
    for text in ("x = 1\n" * 50, long_call.rstrip("\n") + "  # pylint: disable=line-too-long\n",
                 "# https://example.com/" + "a" * 200 + "\n"):
        assert _judgement("IAC303", text, tmp_path) == (False, False)


def test_stdlib_precheck_is_the_rule_judgement(tmp_path: Path) -> None:
    text = 'import json\n\n\ndef handler(event, context):\n    return json.dumps({"at": time.\\\n        time()})\n'
    assert _judgement("IAC306", text, tmp_path) == (True, True)
    for near in ('import json  # time\n\nimport time\nx = json.dumps(time.time())\n',
                 'def f(time):\n    return time.time()\n', 'x = time.no_such_function()\n',
                 'from os import *\nx = time.time()\n'):
        assert _judgement("IAC306", near, tmp_path) == (False, False), near
