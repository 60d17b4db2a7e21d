#!/usr/bin/env python
"""Payments processing: a table, a processor function, its logs, and alarms to an ops topic."""
import os

import aws_cdk as cdk
from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_cloudwatch as cloudwatch,
    aws_dynamodb as dynamodb,
    aws_lambda as lambda_,
    aws_sns as sns,
)
from constructs import Construct


class PaymentsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.ops_topic = sns.Topic(self, "OpsTopic")
        self.payments_table = dynamodb.Table(
            self,
            "Payments",
            partition_key=dynamodb.Attribute(name="payment_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=RemovalPolicy.DESTROY,
        )
        processor = lambda_.Function(
            self,
            "Processor",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
            timeout=Duration.seconds(30),
        )
        lambda_.LogGroup(
            self,
            "ProcessorLogs",
            retention=lambda_.RetentionDays.ONE_WEEK,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.ops_topic.add_subscription(sns.LambdaSubscription(processor))
        self._alarms(processor)

    def _alarms(self, processor: lambda_.Function) -> None:
        lambda_errors = cloudwatch.Alarm(
            self,
            "ProcessorErrors",
            metric=processor.metric_errors(),
            threshold=1,
            evaluation_periods=1,
        )
        lambda_errors.add_alarm_action(cloudwatch.SnsAction(self.ops_topic))
        table_latency = cloudwatch.Alarm(
            self,
            "PaymentsLatency",
            metric=self.payments_table.metric_successful_request_latency(),
            threshold=100,
            evaluation_periods=2,
        )
        table_latency.add_alarm_action(cloudwatch.SnsAction(self.ops_topic))


app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
PaymentsStack(app, "Payments")
app.synth()
