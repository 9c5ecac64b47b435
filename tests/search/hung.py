"""A hung Elasticsearch node: a TCP port on 127.0.0.1 that completes the
connection and never answers, so every request to it runs into its timeout.

Nothing accepts in the background: connections wait in the listen queue and
`connections()` takes them out and counts them, so the count is exact at the
moment it is read (no thread racing the assertion)."""

import socket


class HungNode:
    def __init__(self, backlog=256):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(backlog)
        self._listener.setblocking(False)
        self._accepted = []
        host, port = self._listener.getsockname()
        self.url = f"http://{host}:{port}"

    def connections(self):
        """How many connections clients have opened so far."""
        while True:
            try:
                conn, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                break
            # Kept open and never answered.
            self._accepted.append(conn)
        return len(self._accepted)

    def close(self):
        for conn in self._accepted:
            conn.close()
        self._listener.close()
