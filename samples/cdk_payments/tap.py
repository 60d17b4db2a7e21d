#!/usr/bin/env python3
"""CDK entry point for the payment processing stack."""
import os

import aws_cdk as cdk

from lib.tap_stack import TapStack

app = cdk.App()
environment_suffix = app.node.try_get_context("environmentSuffix") or os.environ.get("ENVIRONMENT_SUFFIX", "dev")

TapStack(app, f"TapStack{environment_suffix}", environment_suffix=environment_suffix)

app.synth()
