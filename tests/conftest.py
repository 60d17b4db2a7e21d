import os

# The API index must be the shipped one in tests, whatever the machine has installed.
os.environ.setdefault("IACFIX_API_INDEX", "shipped")
