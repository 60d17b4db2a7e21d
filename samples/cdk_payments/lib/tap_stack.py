"""Payment processing stack: an API-fed Lambda that records payments in DynamoDB."""
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct


class TapStack(Stack):
    """Payments table and the processor function that writes to it."""

    def __init__(self, scope: Construct, id: str, environment_suffix: str = "dev", **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.environment_suffix = environment_suffix

        self.payments_table = dynamodb.Table(
            self,
            "PaymentsTable",
            table_name=f"payments-{environment_suffix}",
            partition_key=dynamodb.Attribute(name="payment_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=RemovalPolicy.DESTROY,
        )

        role = self._create_lambda_role("ProcessorRole", environment_suffix)
        self.processor = lambda_.Function(self, "PaymentProcessor", function_name=f"payment-processor-{environment_suffix}", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler", code=lambda_.Code.from_asset("lib/lambda/processor"), role=role, timeout=Duration.seconds(30))
        self.payments_table.grant_read_write_data(self.processor)

    def _create_lambda_role(self, id: str, environment_suffix: str) -> iam.Role:
        """Execution role for the processor."""
        return iam.Role(
            self,
            id,
            role_name=f"payment-processor-role-{environment_suffix}",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaBasicExecutionRole")],
        )
