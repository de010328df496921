"""A real SMTP server for tests: accepts every message and writes it, as received, to
<dir>/<n>.eml. Usage: python3 smtp_sink.py <port> <dir>. Uses the standard library's smtpd
(present up to Python 3.11), else aiosmtpd when installed."""
import os
import sys
import warnings

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


try:
    warnings.simplefilter("ignore")
    import asyncore
    import smtpd

    class Sink(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
            store(data)

    sink = Sink(("127.0.0.1", port), None, decode_data=False)
    # smtpd listens with a backlog of 5: a sender opening many connections at once would see
    # SYNs dropped and retried seconds later. A real relay accepts them.
    sink.socket.listen(1024)
    print("ready", flush=True)
    asyncore.loop()
except ImportError:
    import asyncio
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            store(envelope.original_content or envelope.content)
            return "250 OK"

    c = Controller(Handler(), hostname="127.0.0.1", port=port)
    c.start()
    print("ready", flush=True)
    asyncio.get_event_loop().run_forever()
