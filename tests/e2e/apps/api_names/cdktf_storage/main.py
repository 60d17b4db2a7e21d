#!/usr/bin/env python
"""Storage for a prices service: an archive bucket and the prices table."""
import os

from cdktf import App, TerraformStack
from constructs import Construct
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute, DynamodbTablePointInTimeRecovery, DynamodbTableStreamSpecification
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning, S3BucketVersioningVersioningConfiguration
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfiguration,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleAApplyServerSideEncryptionByDefault,
)


class StorageStack(TerraformStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        AwsProvider(self, "aws", region="us-east-1")

        archive = S3Bucket(self, "archive", bucket_prefix="prices-archive-")
        S3BucketVersioning(
            self,
            "archive_versioning",
            bucket=archive.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfiguration(
            self,
            "archive_encryption",
            bucket=archive.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleAApplyServerSideEncryptionByDefault(
                            sse_algorithm="AES256"
                        )
                    ),
                )
            ],
        )

        DynamodbTable(
            self,
            "prices",
            name="prices",
            billing_mode="PAY_PER_REQUEST",
            hash_key="symbol",
            attribute=[DynamodbTableAttribute(name="symbol", type="S")],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
        )


app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
StorageStack(app, "storage")
app.synth()
