"""IAC501 kms-key-without-rotation: a symmetric KMS key that never rotates."""

from __future__ import annotations

import ast
import re

import libcst as cst

from iacfix.codemods._args import has_star_args, keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import dotted
from iacfix.codemods._prescan import calls_of, starred
from iacfix.codemods._rule import FixSafety, Severity

# The key class, and its parameters that say the key is not a rotatable symmetric one.
_KEYS = {
    "aws_cdk.aws_kms.Key": ("key_spec", "key_usage"),
    "aws_cdk.aws_kms.CfnKey": ("key_spec", "key_usage"),
    "cdktf_cdktf_provider_aws.kms_key.KmsKey": ("customer_master_key_spec", "key_usage"),
}
# Keys in an external or CloudHSM key store do not support automatic rotation.
_KEY_STORES = ("custom_key_store_id", "xks_key_id")
_ROTATABLE = {"SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"}


class KmsKeyWithoutRotation(AwsRule):
    """Symmetric KMS keys created without automatic key rotation.

    ## What it does
    Adds `enable_key_rotation=True` to CDK `kms.Key(...)` / `kms.CfnKey(...)` and CDKTF
    `KmsKey(...)` calls that do not set `enable_key_rotation`.

    ## Why it matters
    A key that never rotates keeps encrypting with the same material for as long as it exists;
    rotation is what CIS, cdk-nag (`AwsSolutions-KMS5`) and checkov (`CKV_AWS_7`) ask for, and
    the failure analyses rate its absence Medium. Rotation is transparent: old ciphertext still
    decrypts.

    ## Example
    ```python
    from aws_cdk import aws_kms as kms

    key = kms.Key(self, "DataKey", description="Payments table key")
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_kms as kms

    key = kms.Key(self, "DataKey", description="Payments table key", enable_key_rotation=True)
    ```

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.kms_key import KmsKey

    key = KmsKey(
        self,
        "data-key",
        description="Payments table key",
        deletion_window_in_days=10,
    )
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.kms_key import KmsKey

    key = KmsKey(
        self,
        "data-key",
        description="Payments table key",
        deletion_window_in_days=10,
        enable_key_rotation=True,
    )
    ```

    ## Fix safety
    Safe: rotation keeps every key version, so data encrypted before still decrypts. A key whose
    `enable_key_rotation` is set (even to `False`), an asymmetric or HMAC key (`key_spec` /
    `customer_master_key_spec` other than `SYMMETRIC_DEFAULT`, or `key_usage` other than
    `ENCRYPT_DECRYPT`: KMS rejects rotation for those), a key in a custom key store and a call
    with `**kwargs` are left alone.

    ## References
    https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
    """

    CODE = "IAC501"
    NAME = "kms-key-without-rotation"
    SUMMARY = "symmetric KMS key without automatic key rotation"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"KmsKey|\bkms\b|aws_kms|CfnKey")

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # A key created without `enable_key_rotation` (`ast` look: most files set it).
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = calls_of(text, _KEY_PARAMETERS)
        return calls is None or any(_may_rotate(call, _KEY_PARAMETERS[name]) for name, call in calls)
    REFERENCE = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"
    NAMES = {
        "aws_cdk.aws_kms.Key": ("enable_key_rotation", "key_spec", "key_usage"),
        "aws_cdk.aws_kms.CfnKey": ("enable_key_rotation", "key_spec", "key_usage"),
        "aws_cdk.aws_kms.KeySpec": ("SYMMETRIC_DEFAULT",),
        "aws_cdk.aws_kms.KeyUsage": ("ENCRYPT_DECRYPT",),
        "cdktf_cdktf_provider_aws.kms_key.KmsKey": (
            "enable_key_rotation", "customer_master_key_spec", "key_usage", "custom_key_store_id", "xks_key_id",
        ),
    }

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = self.target(original_node)
        if target not in _KEYS or keyword(original_node, "enable_key_rotation") is not None:
            return updated_node
        if has_star_args(original_node) or any(keyword(original_node, k) for k in _KEY_STORES):
            return updated_node
        for name in _KEYS[target]:
            arg = keyword(original_node, name)
            if arg is not None and _member(arg.value) not in _ROTATABLE:
                return updated_node  # asymmetric, HMAC or unknown: KMS cannot rotate it
        if not self.report(original_node, "KMS key does not rotate its key material; enable automatic rotation"):
            return updated_node
        return self.add_keywords(original_node, updated_node, [("enable_key_rotation", cst.Name("True"))])


# Class name -> the parameters that may make its key not rotatable (every target of that name's).
_KEY_PARAMETERS: dict[str, set[str]] = {}
for _target, _parameters in _KEYS.items():
    _KEY_PARAMETERS.setdefault(_target.rpartition(".")[2], set()).update(_parameters)


def _may_rotate(call: ast.Call, parameters: set[str]) -> bool:
    """`leave_Call`'s judgement on an `ast` call: no `enable_key_rotation`, no key store, no
    `*args`, and a symmetric key as far as its spec and usage say."""
    given = {argument.arg: argument.value for argument in call.keywords}
    if "enable_key_rotation" in given or starred(call) or any(store in given for store in _KEY_STORES):
        return False
    return all(_ast_member(given[name]) in _ROTATABLE for name in parameters if name in given)


def _ast_member(value: ast.expr) -> str | None:
    """`_member` on an `ast` value."""
    if isinstance(value, ast.Constant):
        return value.value if isinstance(value.value, str) else None
    if isinstance(value, ast.Attribute):
        return value.attr
    return value.id if isinstance(value, ast.Name) else None


def _member(value: cst.BaseExpression) -> str | None:
    """`SYMMETRIC_DEFAULT` for `kms.KeySpec.SYMMETRIC_DEFAULT` or `"SYMMETRIC_DEFAULT"`."""
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return text if isinstance(text, str) else None
    name = dotted(value)
    return name.rsplit(".", 1)[-1] if name else None
