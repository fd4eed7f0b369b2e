"""The sandbox's self-test: run confined, it tries to reach the network and the host's file
system and prints, as one JSON list, what got through (nothing, when confinement works).

``python -I -S -c SOURCE TARGETS``: ``TARGETS`` is a JSON list of ``[host, port]`` to connect to.
"""

from __future__ import annotations

import json
import os
import socket
import sys


def leaks(targets: list[tuple[str, int]]) -> list[str]:
    """What the confined process managed to do that it should not have."""
    found: list[str] = []
    for host, port in targets:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1.0)
        try:
            s.connect((host, port))
            found.append(f"connected to {host}:{int(port)}")
        except OSError:
            pass
        finally:
            s.close()
    for path in ("/tmp/microcred-probe", "/sandbox/microcred-probe", "/etc/microcred-probe"):  # noqa: S108
        try:
            open(path, "w").close()  # only whether it can be made
            found.append("wrote " + path)
        except OSError:
            pass
    if os.getuid() == 0 or os.geteuid() == 0:
        found.append("running as root")
    if len(socket.if_nameindex()) > 1:
        found.append(f"network interfaces: {socket.if_nameindex()}")
    return found


def main() -> None:
    """Probe the targets given as the first argument; print the leaks."""
    print(json.dumps(leaks(json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
