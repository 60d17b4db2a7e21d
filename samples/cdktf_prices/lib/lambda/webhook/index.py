"""Stores a price update received from the exchange webhook."""
import json
import logging
import os
from decimal import Decimal

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    """Validate and store one price update."""
    logger.info(f"Received event: {json.dumps(event)}")
    try:
        item = json.loads(event["body"], parse_float=Decimal)
        table.put_item(Item=item)
        logger.info(f"Successfully stored price for {item['symbol']} at {item['timestamp']}")
    except ValueError as ve:
        logger.error(f"Validation error: {str(ve)}")
        return {"statusCode": 400}
    except Exception as e:
        logger.exception("Unexpected error for {}: {}".format(context.aws_request_id, e))
        raise
    return {"statusCode": 200}
