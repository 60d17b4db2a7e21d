"""Options of the security rules: set in [tool.iacfix.options], checked when the configuration is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacfix.config import ConfigError, Resolver, read_config

LOG_GROUP = 'from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup\n' \
            'CloudwatchLogGroup(scope, "logs", name="x")\n'
FUNCTION = 'from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction\n' \
           'LambdaFunction(scope, "fn", runtime="python3.8")\n'


def _pyproject(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(f'[project]\nname = "demo"\n\n[tool.iacfix]\n{body}')
    return path


@pytest.mark.parametrize(("body", "message"), [
    ("[tool.iacfix.options.IAC502]\ndays = 8\n", r"`options.IAC502.days`: 8 is not a retention CloudWatch Logs accepts"),
    ('[tool.iacfix.options.IAC503]\ntarget = "python3.9"\n',
     r"`options.IAC503.target`: 'python3.9' is not a supported Python runtime \(python3.10, "),
])
def test_a_bad_value_is_a_configuration_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_config(str(_pyproject(tmp_path, body)))


def test_good_values_reach_the_fixes(tmp_path: Path) -> None:
    from iacfix.codemods._engine import fix_source

    _pyproject(tmp_path, '[tool.iacfix.options.IAC502]\ndays = 30\n[tool.iacfix.options.IAC503]\ntarget = "python3.13"\n')
    settings = Resolver().settings_for(str(tmp_path / "stack.py"))
    assert b"retention_in_days=30" in fix_source(LOG_GROUP.encode(), "stack.py", settings).new
    assert b'runtime="python3.13"' in fix_source(FUNCTION.encode(), "stack.py", settings).new
