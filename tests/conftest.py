import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# The real IMAP servers (pymap, Dovecot) that the mail tests start on loopback.
from imap_servers import dovecot_server, pymap_server  # noqa: F401
