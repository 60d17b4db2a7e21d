"""iacfix: codemods for AI-generated AWS CDK v2 and CDKTF Python code."""

__version__ = "0.1.0"
