"""The API index: the builder on a fake jsii wheel, facts the shipped index must hold, and the
loader's installed-version mode with its cache. Nothing here imports the indexed packages."""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from iacfix.codemods import _symbols
from iacfix.codemods._apiscan import FORMAT, ScanError, module_name, pack_index, scan_module, unpack_classes
from iacfix.codemods._symbols import ApiIndex, ClassInfo, load_index, mentions_managed_package, open_index

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "_api_wheel"
BUILDER = ROOT / "tools" / "build_api_index.py"


# --- builder -----------------------------------------------------------------------------------


def _wheel(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    """The fixture folder zipped as a wheel, plus `extra` members."""
    path = tmp_path / "fakecdk-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(FIXTURE.rglob("*")):
            if file.is_file() and file.name != "README.md" and "__pycache__" not in file.parts:
                archive.write(file, file.relative_to(FIXTURE).as_posix())
        for member, text in (extra or {}).items():
            archive.writestr(member, text)
    return path


def _build(wheel: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILDER), "--wheel", str(wheel), "--partial", "--jobs", "1", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )


def _read(path: Path) -> dict[str, Any]:
    document = json.loads(gzip.decompress(path.read_bytes()))
    document["classes"] = {module: unpack_classes(text) for module, text in document["classes"].items()}
    return document


EXPECTED_FAKECDK: dict[str, Any] = {
    "format": FORMAT,
    "generator": "tools/build_api_index.py",
    "packages": {"fakecdk": "1.2.3"},
    "names": {
        # __all__ plus the submodules; NotExported, _CodeProxy and imports are not public.
        "fakecdk": "Bucket BucketBase BucketProps Code IBucket OldThing Retention SubBucket helper_function "
                   "storage util",
        "fakecdk.storage": "Volume",
        # No __all__: what `from fakecdk.util import *` gives, imported names included.
        "fakecdk.util": "Any LIMIT helper os",
    },
    "classes": {
        "fakecdk": {
            "Bucket": {
                "p": "scope! id! * a b",
                "m": "DEFAULT_NAME RuleProperty from_bucket_name",
                "i": "add_lifecycle_rule add_rule bucket_arn",
                "b": "fakecdk:BucketBase",
                # The reason comes from BucketProps.b, not the "(deprecated) The old name." param doc.
                "dp": {"b": "use `x` instead"},
                "dm": {"add_rule": "use `addLifecycleRule`"},
            },
            "Bucket.RuleProperty": {"p": "* days!", "i": "days", "t": "s"},
            "BucketBase": {"i": "grant_read", "b": "constructs:Construct"},
            "BucketProps": {"p": "* a b", "i": "a b", "t": "s", "dp": {"b": "use `x` instead"},
                            "dm": {"b": "use `x` instead"}},
            "Code": {"m": "from_asset"},
            "IBucket": {"i": "bucket_arn", "t": "i"},
            # No struct to name a reason: the param doc's summary stands in.
            "OldThing": {"p": "name! count", "x": "use `Bucket` instead", "dp": {"count": "How many. Default: 1"}},
            "Retention": {"m": "FOREVER INFINITE ONE_DAY", "t": "e", "dm": {"FOREVER": "use INFINITE"}},
            "SubBucket": {"b": "fakecdk:Bucket"},
        },
        "fakecdk.storage": {"Volume": {"i": "size_gb", "b": "fakecdk:Bucket"}},
    },
}


def test_builder_indexes_exactly_the_fake_wheel(tmp_path: Path) -> None:
    out = tmp_path / "index.json.gz"
    result = _build(_wheel(tmp_path), out)
    assert result.returncode == 0, result.stderr
    assert _read(out) == EXPECTED_FAKECDK


def test_builder_reports_an_unreadable_file_by_name_and_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "index.json.gz"
    wheel = _wheel(tmp_path, {"fakecdk/broken/__init__.py": "class Broken(:\n"})
    result = _build(wheel, out)
    assert result.returncode == 1
    assert "fakecdk/broken/__init__.py: error: does not parse" in result.stderr
    document = _read(out)
    assert "fakecdk.broken" not in document["names"]
    assert document["classes"]["fakecdk"] == EXPECTED_FAKECDK["classes"]["fakecdk"]
    # Still a submodule: the file exists, only its contents are unknown.
    assert "broken" in document["names"]["fakecdk"].split()


def test_builder_output_is_byte_stable(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    assert _build(wheel, first).returncode == 0
    assert _build(wheel, second).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_builder_refuses_a_partial_set_unless_asked(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(BUILDER), "--wheel", str(_wheel(tmp_path)),
                             "--out", str(tmp_path / "x.json.gz")], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "not found: aws-cdk-lib" in result.stderr
    assert not (tmp_path / "x.json.gz").exists()


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("aws_cdk/aws_logs/__init__.py", "aws_cdk.aws_logs"),
        ("aws_cdk/__init__.py", "aws_cdk"),
        ("pkg/mod.py", "pkg.mod"),
        ("aws_cdk/__pycache__/x.cpython-311.py", None),  # not an identifier path
        ("aws_cdk_lib-2.275.0.dist-info/RECORD", None),
        ("../../bin/tool.py", None),
        ("aws_cdk/_jsii/aws-cdk-lib@2.275.0.jsii.tgz", None),
    ],
)
def test_module_name(path: str, module: str | None) -> None:
    assert module_name(path) == module


# --- the shipped index ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> ApiIndex:
    return open_index(installed=False)


def test_shipped_versions(shipped: ApiIndex) -> None:
    assert shipped.packages == {
        "aws-cdk-lib": "2.275.0", "constructs": "10.8.1", "cdktf": "0.21.0", "cdktf-cdktf-provider-aws": "21.22.1",
    }
    assert shipped.describe() == ("API index: aws-cdk-lib 2.275.0, constructs 10.8.1, cdktf 0.21.0, "
                                  "cdktf-cdktf-provider-aws 21.22.1 (shipped)")


def test_shipped_provider_renamed_classes(shipped: ApiIndex) -> None:
    module = "cdktf_cdktf_provider_aws.s3_bucket_versioning"
    assert shipped.exports(module, "S3BucketVersioningA")
    assert not shipped.exports(module, "S3BucketVersioning")
    assert shipped.closest(module, "S3BucketVersioning")[0] == "S3BucketVersioningA"
    assert shipped.closest(module, "S3BucketVersioningConfig")[0] == "S3BucketVersioningAConfig"


def test_shipped_cloudwatch_actions(shipped: ApiIndex) -> None:
    assert shipped.exports("aws_cdk.aws_cloudwatch_actions", "SnsAction")
    assert not shipped.exports("aws_cdk.aws_cloudwatch", "SnsAction")
    assert shipped.modules_exporting("SnsAction", "aws_cdk.") == ["aws_cdk.aws_cloudwatch_actions"]


def test_shipped_modules_exporting(shipped: ApiIndex) -> None:
    assert shipped.modules_exporting("RetentionDays", "aws_cdk.") == ["aws_cdk.aws_logs"]
    assert shipped.modules_exporting("Runtime", "aws_cdk.") == [
        "aws_cdk.aws_bedrockagentcore", "aws_cdk.aws_lambda", "aws_cdk.aws_synthetics"]
    assert shipped.modules_exporting("S3BucketVersioningA", "cdktf") == [
        "cdktf_cdktf_provider_aws.s3_bucket_versioning"]
    assert shipped.modules_exporting("NoSuchName", "aws_cdk.") == []


def test_shipped_submodules_are_names(shipped: ApiIndex) -> None:
    names = shipped.names("aws_cdk")
    assert names is not None and {"aws_logs", "aws_s3", "Stack", "Duration"} <= names
    assert shipped.names("aws_cdk.core") is None  # CDK v1
    assert not shipped.has_module("aws_cdk.core")
    assert shipped.has_module("aws_cdk.aws_cloudfront.experimental")


def test_shipped_dynamodb_table(shipped: ApiIndex) -> None:
    info = shipped.class_info("aws_cdk.aws_dynamodb", "Table")
    assert isinstance(info, ClassInfo)
    assert info.params[:2] == ("scope", "id")
    assert "point_in_time_recovery_specification" in info.params
    assert "point_in_time_recovery_specification" in info.kwonly
    assert "scope" not in info.kwonly and {"scope", "id"} <= info.required
    assert "pointInTimeRecoverySpecification" in info.deprecated_params["point_in_time_recovery"]
    assert "point_in_time_recovery_specification" not in info.deprecated_params
    # Inherited from TableBase.
    assert "metric_successful_request_latency" in info.members
    assert "grant_read_data" in info.members
    assert info.deprecated is None


def test_shipped_class_level_members(shipped: ApiIndex) -> None:
    runtime = shipped.class_info("aws_cdk.aws_lambda", "Runtime")
    assert runtime is not None and "PYTHON_3_12" in runtime.class_members
    assert "PYTHON_3_6" in runtime.deprecated_members
    code = shipped.class_info("aws_cdk.aws_lambda", "Code")
    assert code is not None and "from_asset" in code.class_members
    tags = shipped.class_info("aws_cdk", "Tags")
    assert tags is not None and "of" in tags.class_members
    secret = shipped.class_info("aws_cdk", "SecretValue")
    assert secret is not None and "unsafe_plain_text" in secret.class_members
    retention = shipped.class_info("aws_cdk.aws_logs", "RetentionDays")
    assert retention is not None and retention.kind == "enum" and "ONE_WEEK" in retention.members
    assert not retention.params_known


def test_shipped_provider_class(shipped: ApiIndex) -> None:
    info = shipped.class_info("cdktf_cdktf_provider_aws.kms_key", "KmsKey")
    assert info is not None
    assert "enable_key_rotation" in info.params and "enable_key_rotation" in info.kwonly
    assert info.params[:2] == ("scope", "id_")  # the provider's construct id; `id` is the TF attribute
    assert "id" in info.params
    assert "add_override" in info.members  # from cdktf.TerraformResource


def test_shipped_is_managed(shipped: ApiIndex) -> None:
    assert shipped.is_managed("aws_cdk")
    assert shipped.is_managed("aws_cdk.aws_s3")
    assert shipped.is_managed("aws_cdk.core")  # does not exist in v2: judged
    assert shipped.is_managed("cdktf_cdktf_provider_aws.s3_bucket")
    assert shipped.is_managed("constructs")
    assert not shipped.is_managed("aws_cdk.aws_lambda_python_alpha")
    assert not shipped.is_managed("aws_cdk.asset_awscli_v1")
    assert not shipped.is_managed("aws_cdk.lambda_layer_kubectl_v31")
    assert shipped.is_managed("aws_cdk.lambda_layer_awscli")  # aws-cdk-lib's own
    assert not shipped.is_managed("cdktf_cdktf_provider_google.storage_bucket")
    assert not shipped.is_managed("boto3")
    assert not shipped.is_managed("aws_cdk_extra")
    # `from aws_cdk import aws_lambda_python_alpha` is another distribution's business.
    assert shipped.exports("aws_cdk", "aws_lambda_python_alpha")
    assert not shipped.exports("aws_cdk", "core")


CROSS_CHECK = Path(os.environ.get("IACFIX_CROSS_CHECK_INDEX", ROOT.parent / "shared" / "tools" / "api_index.json.gz"))


@pytest.mark.skipif(not CROSS_CHECK.exists(), reason="the team's measuring index is not beside this checkout")
def test_shipped_names_match_the_measuring_tools_index(shipped: ApiIndex) -> None:
    """An independent reading of the same wheels' __all__ (shared/tools/api_index.json.gz)."""
    reference = json.loads(gzip.decompress(CROSS_CHECK.read_bytes()))
    assert {dist: meta["version"] for dist, meta in reference["meta"].items()} == shipped.packages
    assert shipped.modules() == sorted(reference["modules"])
    differing = [m for m, names in reference["modules"].items() if shipped.names(m) != frozenset(names)]
    assert differing == []


def test_aws_cdk_folder_of_another_distribution_is_not_managed(tmp_path: Path) -> None:
    # aws-cdk-lib installed in the shipped version, beside a third-party aws_cdk.cdk_extras.
    site = tmp_path / "site-packages"
    (site / "aws_cdk" / "cdk_extras").mkdir(parents=True)
    (site / "aws_cdk" / "cdk_extras" / "__init__.py").write_text("")
    (site / "aws_cdk" / "__init__.py").write_text("")
    info = site / "aws_cdk_lib-2.275.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: aws-cdk-lib\nVersion: 2.275.0\n\n")
    (info / "RECORD").write_text("aws_cdk/__init__.py,,\n")
    index = open_index(path=[str(site)], cache_root=tmp_path / "cache")
    assert index.describe().endswith("(shipped)")
    assert not index.is_managed("aws_cdk.cdk_extras")
    assert index.exports("aws_cdk", "cdk_extras")
    assert index.is_managed("aws_cdk.cdk_missing")
    assert not open_index(installed=False).exports("aws_cdk", "cdk_extras")


def test_mentions_managed_package() -> None:
    assert mentions_managed_package("from aws_cdk import Stack")
    assert mentions_managed_package("import cdktf_cdktf_provider_aws.s3_bucket as s3")
    assert mentions_managed_package("from constructs import Construct")
    assert mentions_managed_package("import cdktf")
    assert not mentions_managed_package("import boto3\nprint('cdk aws-cdk construct')\n")


def test_closest_prefers_the_a_suffixed_rename(tmp_path: Path) -> None:
    # Without the preference difflib ranks FooBars first: the same score, and ties go to the
    # greater string.
    records = {"constructs": {"v": FORMAT, "n": "FooBarA FooBars FooBaz Unrelated"}}
    path = tmp_path / "index.json.gz"
    path.write_bytes(pack_index({"constructs": "1.0"}, records, "test"))
    index = open_index(path, installed=False)
    assert index.closest("constructs", "FooBar") == ["FooBarA", "FooBars", "FooBaz"]
    assert index.closest("constructs", "FooBar", n=1) == ["FooBarA"]
    assert index.closest("constructs", "Zzz") == []
    assert index.closest("aws_cdk.nothing", "FooBar") == []


@pytest.mark.parametrize("damage", ["not gzip", "truncated", "flipped", "not json", "other format", "missing"])
def test_unreadable_shipped_file_judges_nothing(tmp_path: Path, damage: str) -> None:
    good = _symbols.SHIPPED_INDEX.read_bytes()
    broken = tmp_path / "api_index.json.gz"
    if damage == "not gzip":
        broken.write_bytes(b"not gzip")
    elif damage == "truncated":
        broken.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        broken.write_bytes(good[:100] + bytes(b ^ 0xFF for b in good[100:200]) + good[200:])
    elif damage == "not json":
        broken.write_bytes(gzip.compress(b"{"))
    elif damage == "other format":
        broken.write_bytes(gzip.compress(json.dumps({"format": FORMAT + 1}).encode()))
    index = open_index(broken, installed=False)
    assert index.describe().startswith("API index: unavailable")
    assert not index.is_managed("aws_cdk.aws_s3")
    assert index.names("aws_cdk") is None


# --- installed versions, lazily, with a cache -----------------------------------------------------

FAKE_CONSTRUCTS = '''
import jsii
import publication


class Construct(metaclass=jsii.JSIIMeta, jsii_type="constructs.Construct"):
    def __init__(self, scope: "Construct", id: str) -> None:
        jsii.create(self.__class__, self, [scope, id])

    @jsii.member(jsii_name="brandNewMethod")
    def brand_new_method(self) -> None:
        ...


class BrandNew(Construct, metaclass=jsii.JSIIMeta, jsii_type="constructs.BrandNew"):
    pass


__all__ = ["BrandNew", "Construct"]

publication.publish()
'''

FAKE_SUBMODULE = '__all__ = ["Helper"]\n\nclass Helper:\n    pass\n'


def _fake_site_packages(root: Path, version: str = "99.0.0") -> Path:
    """A site-packages folder holding a fake `constructs` of another version than the shipped one."""
    site = root / "site-packages"
    package = site / "constructs"
    (package / "extras").mkdir(parents=True)
    (package / "__init__.py").write_text(FAKE_CONSTRUCTS)
    (package / "extras" / "__init__.py").write_text(FAKE_SUBMODULE)
    info = site / f"constructs-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: constructs\nVersion: {version}\n\n")
    (info / "RECORD").write_text(
        "constructs/__init__.py,,\n"
        "constructs/extras/__init__.py,,\n"
        f"constructs-{version}.dist-info/METADATA,,\n"
        f"constructs-{version}.dist-info/RECORD,,\n"
    )
    return site


def _cached(cache: Path, module: str) -> Path:
    return cache / "constructs-99.0.0" / f"{module}.json"


def test_installed_version_is_read_lazily_and_cached(tmp_path: Path) -> None:
    site, cache = _fake_site_packages(tmp_path), tmp_path / "cache"
    index = open_index(path=[str(site)], cache_root=cache)
    assert index.packages["constructs"] == "99.0.0"
    assert index.packages["aws-cdk-lib"] == "2.275.0"  # not installed there: shipped
    assert "constructs 99.0.0 (installed)" in index.describe()
    assert "aws-cdk-lib 2.275.0 (shipped)" in index.describe()
    assert index.has_module("constructs.extras")
    assert index.modules("constructs") == ["constructs", "constructs.extras"]
    assert not _cached(cache, "constructs").exists()  # nothing parsed before it is asked for
    assert index.names("constructs") == frozenset({"BrandNew", "Construct", "extras"})
    assert _cached(cache, "constructs").exists()
    assert not _cached(cache, "constructs.extras").exists()  # only the module asked about
    info = index.class_info("constructs", "BrandNew")
    assert info is not None and info.params == ("scope", "id") and "brand_new_method" in info.members
    # The provider's classes inherit from this version's constructs.Construct now.
    kms = index.class_info("cdktf_cdktf_provider_aws.kms_key", "KmsKey")
    assert kms is not None and "brand_new_method" in kms.members


def test_installed_cache_is_used_on_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, cache = _fake_site_packages(tmp_path), tmp_path / "cache"
    assert open_index(path=[str(site)], cache_root=cache).names("constructs") is not None

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again despite the cache")

    monkeypatch.setattr(_symbols, "scan_module", no_parsing)
    assert open_index(path=[str(site)], cache_root=cache).exports("constructs", "BrandNew")


def test_installed_cache_is_refreshed_when_the_file_changes(tmp_path: Path) -> None:
    site, cache = _fake_site_packages(tmp_path), tmp_path / "cache"
    assert open_index(path=[str(site)], cache_root=cache).names("constructs.extras") == frozenset({"Helper"})
    (site / "constructs" / "extras" / "__init__.py").write_text('__all__ = ["Helper", "Other"]\n')
    assert open_index(path=[str(site)], cache_root=cache).names("constructs.extras") == frozenset({"Helper", "Other"})


@pytest.mark.parametrize("damage", [b"", b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"v": 1, "n": 5}',
                                    b'{"v": -1, "n": "Fake"}'])
def test_corrupt_cache_file_is_ignored(tmp_path: Path, damage: bytes) -> None:
    site, cache = _fake_site_packages(tmp_path), tmp_path / "cache"
    open_index(path=[str(site)], cache_root=cache).names("constructs")
    stamp = json.loads(_cached(cache, "constructs").read_bytes())["src"]
    if damage.startswith(b'{"v"'):
        damage = damage[:-1] + b', "src": ' + json.dumps(stamp).encode() + b"}"
    _cached(cache, "constructs").write_bytes(damage)
    index = open_index(path=[str(site)], cache_root=cache)
    assert index.names("constructs") == frozenset({"BrandNew", "Construct", "extras"})
    # ... and rewritten whole.
    assert json.loads(_cached(cache, "constructs").read_bytes())["n"] == "BrandNew Construct extras"


def test_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    site = _fake_site_packages(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache root cannot be a folder here")
    index = open_index(path=[str(site)], cache_root=blocker / "cache")
    assert index.names("constructs") == frozenset({"BrandNew", "Construct", "extras"})


def test_installed_module_that_does_not_parse_falls_back_to_shipped(tmp_path: Path) -> None:
    site, cache = _fake_site_packages(tmp_path), tmp_path / "cache"
    (site / "constructs" / "__init__.py").write_text("class Broken(:\n")
    index = open_index(path=[str(site)], cache_root=cache)
    assert index.exports("constructs", "Construct")
    assert not index.exports("constructs", "BrandNew")


def test_reverse_map_for_an_installed_version_uses_shipped_names(tmp_path: Path) -> None:
    site, cache = _fake_site_packages(tmp_path), tmp_path / "cache"
    index = open_index(path=[str(site)], cache_root=cache)
    # Shipped names (IConstruct is in the shipped 10.8.1), kept as the module exists installed.
    assert index.modules_exporting("IConstruct", "constructs") == ["constructs"]
    assert index.modules_exporting("BrandNew", "constructs") == []  # documented limitation
    # The shipped constructs._jsii is not in the installed version: left out.
    assert open_index(installed=False).modules_exporting("__jsii_assembly__", "constructs") == ["constructs._jsii"]
    assert index.modules_exporting("__jsii_assembly__", "constructs") == []


def test_same_version_installed_uses_the_shipped_file(tmp_path: Path) -> None:
    site, cache = _fake_site_packages(tmp_path, version="10.8.1"), tmp_path / "cache"
    index = open_index(path=[str(site)], cache_root=cache)
    assert index.describe().endswith("(shipped)")
    assert not index.exports("constructs", "BrandNew")
    assert not cache.exists()


def test_load_index_honours_the_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _fake_site_packages(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_index.cache_clear()
    try:
        monkeypatch.setenv("IACFIX_API_INDEX", "shipped")
        assert load_index().packages["constructs"] == "10.8.1"
        assert load_index() is load_index()  # once per process
        load_index.cache_clear()
        monkeypatch.delenv("IACFIX_API_INDEX")
        index = load_index()
        assert index.packages["constructs"] == "99.0.0"
        index.names("constructs")
        assert (tmp_path / "xdg" / "iacfix" / "api" / "constructs-99.0.0" / "constructs.json").exists()
    finally:
        load_index.cache_clear()


def test_scan_module_reports_syntax_errors() -> None:
    with pytest.raises(ScanError, match="does not parse"):
        scan_module("def (", "x")


def test_no_indexed_package_is_imported() -> None:
    for name in ("aws_cdk", "constructs", "cdktf", "cdktf_cdktf_provider_aws", "jsii"):
        assert name not in sys.modules


def _dist_info(folder: Path, name: str, metadata: str | None) -> None:
    (folder / name).mkdir(parents=True)
    if metadata is not None:
        (folder / name / "METADATA").write_text(metadata)


@pytest.mark.parametrize("layout", ["plain", "second folder", "capitalised", "two in one folder", "egg-info",
                                    "no version header", "no METADATA", "missing"])
def test_quick_installed_lookup_agrees_with_importlib_metadata(tmp_path: Path, layout: str) -> None:
    # `iacfix -` finds the installed versions without importing importlib.metadata (20 ms); when it
    # answers, it must be what importlib.metadata.distribution would answer, and None when unsure.
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    version = "Metadata-Version: 2.1\nName: cdktf-cdktf-provider-aws\nVersion: 21.22.1\n\nVersion: 0\n"
    if layout == "plain":
        _dist_info(first, "cdktf_cdktf_provider_aws-21.22.1.dist-info", version)
    elif layout == "second folder":
        _dist_info(first, "cdktf-0.21.0.dist-info", "Name: cdktf\nVersion: 0.21.0\n\n")
        _dist_info(second, "cdktf_cdktf_provider_aws-21.22.1.dist-info", version)
    elif layout == "capitalised":
        _dist_info(first, "CDKTF_cdktf.Provider__AWS-21.22.1.dist-info", version)
    elif layout == "two in one folder":
        _dist_info(first, "cdktf_cdktf_provider_aws-21.22.1.dist-info", version)
        _dist_info(first, "cdktf_cdktf_provider_aws-20.0.0.dist-info", version.replace("21.22.1", "20.0.0"))
    elif layout == "egg-info":
        (first / "cdktf_cdktf_provider_aws-21.22.1.egg-info").write_text(version)
    elif layout == "no version header":
        _dist_info(first, "cdktf_cdktf_provider_aws-21.22.1.dist-info", "Name: cdktf-cdktf-provider-aws\n\n")
    elif layout == "no METADATA":
        _dist_info(first, "cdktf_cdktf_provider_aws-21.22.1.dist-info", None)
    path = [str(first), str(tmp_path / "not there"), str(second)]
    quick = _symbols._installed_version("cdktf-cdktf-provider-aws", path)
    found = next(iter(importlib.metadata.distributions(name="cdktf-cdktf-provider-aws", path=path)), None)
    if layout in ("plain", "second folder", "capitalised"):
        assert found is not None and quick == (str(found.locate_file("")).rstrip("/"), found.version)
        assert quick[1] == "21.22.1"
    elif layout == "missing":
        assert found is None and quick == ("", "")
    else:
        assert quick is None  # unsure: importlib.metadata decides
