"""A real SMTP server for tests: aiosmtpd, accepting every message and writing it, as received,
to <dir>/<n>.eml (numbered in arrival order, written whole then renamed).
Usage: python3 smtp_sink.py <port> <dir>. tests/run installs aiosmtpd (deploy/lib.sh)."""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP

port, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
count = 0


def store(data):
    global count
    count += 1
    path = os.path.join(out, "%06d.eml" % count)
    with open(path + ".tmp", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.rename(path + ".tmp", path)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        store(envelope.original_content or envelope.content)
        return "250 OK"


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    # A sender opens up to 128 connections at once: a backlog that takes them all (a real relay
    # does), rather than SYNs dropped and retried seconds later.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="127.0.0.1"),
        host="127.0.0.1",
        port=port,
        backlog=1024,
    )
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
