"""Crypto price processing: a webhook Lambda storing prices in DynamoDB."""
import json

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute, DynamodbTablePointInTimeRecovery
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct


class TapStack(TerraformStack):
    """Prices table and the role of the webhook processor."""

    def __init__(self, scope: Construct, id: str, environment_suffix: str = "dev") -> None:
        super().__init__(scope, id)
        AwsProvider(self, "aws", region="us-east-1")

        table = DynamodbTable(
            self,
            "prices",
            name=f"crypto-prices-{environment_suffix}",
            billing_mode="PAY_PER_REQUEST",
            hash_key="symbol",
            range_key="timestamp",
            attribute=[DynamodbTableAttribute(name="symbol", type="S"), DynamodbTableAttribute(name="timestamp", type="N")],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
        )
        role = self._create_lambda_role("webhook-role", environment_suffix)
        TerraformOutput(self, "table_name", value=table.name)
        TerraformOutput(self, "role_arn", value=role.arn)

    def _create_lambda_role(self, id: str, environment_suffix: str) -> IamRole:
        """Role assumed by the webhook processor."""
        return IamRole(
            self,
            id,
            name=f"webhook-processor-{environment_suffix}",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
                }
            ),
        )
