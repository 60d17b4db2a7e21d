import os
import tempfile

# The API index must be the shipped one in tests, whatever the machine has installed.
os.environ.setdefault("IACFIX_API_INDEX", "shipped")
# Tests never read or write the user's real result cache.
os.environ["IACFIX_CACHE_DIR"] = tempfile.mkdtemp(prefix="iacfix-test-cache-")
