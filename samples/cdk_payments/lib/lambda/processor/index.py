"""Records a payment posted to the API."""
import json
import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
table = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "payments"))


def handler(event, context):
    """Store the payment in the body of the request."""
    logger.info(f"Received event: {json.dumps(event)}")
    try:
        payment = json.loads(event["body"])
        table.put_item(Item=payment)
        logger.info(f"Stored payment {payment['payment_id']} for {payment['amount']:.2f} {payment['currency']}")
    except (KeyError, ValueError) as error:
        logger.error(f"Invalid payment request {context.aws_request_id}: {error!r}")
        return {"statusCode": 400, "body": json.dumps({"error": str(error)})}
    return {"statusCode": 200, "body": json.dumps({"payment_id": payment["payment_id"]})}
