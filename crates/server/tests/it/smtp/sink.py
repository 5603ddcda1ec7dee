"""A real SMTP server for Docket's delivery tests, built on aiosmtpd.

Usage: python3 sink.py PORT DIR

Listens on 127.0.0.1:PORT and writes each message it accepts to DIR/NNNN.eml, headed by its
envelope (X-Envelope-From, X-Envelope-To). Like a mail server that knows its users, it
refuses for good (550) any recipient at bounce.example. Prints "ready" once it listens and
runs until it is killed.
"""

import itertools
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        # A server restarted on the same folder carries on after the messages already there.
        done = [f for f in os.listdir(out) if f.endswith(".eml")]
        self.numbers = itertools.count(len(done) + 1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@bounce.example"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(self.out, "%04d.eml" % next(self.numbers))
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (
            envelope.mail_from,
            ",".join(envelope.rcpt_tos),
        )
        with open(path + ".tmp", "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
