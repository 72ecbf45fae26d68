#!/usr/bin/python3
"""A real SMTP server for the test suite (Debian's python3-aiosmtpd), on 127.0.0.1 only.

Prints "PORT <n>" once listening, then one line per accepted message:
"MESSAGE <file> <mail-from> <rcpt>[,<rcpt>...]", after the message is in <file> (written to a
temporary name and renamed, so a reader never sees half of it). Exits when its stdin closes
(the test that started it is gone) or on SIGTERM.

Options: --port N (0: any free port), --dir DIR (where messages go), --tls-cert/--tls-key
(offer STARTTLS; with --implicit-tls: TLS from the first byte, as smtps), --user/--password (require AUTH PLAIN/LOGIN with these, only after STARTTLS
when it is offered), --reject REGEX (answer 550 to matching recipients), --tempfail REGEX
(answer 451 to matching recipients).
"""
import argparse
import asyncio
import os
import re
import signal
import ssl
import sys
import uuid

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, directory, reject, tempfail):
        self.directory = directory
        self.reject = re.compile(reject) if reject else None
        self.tempfail = re.compile(tempfail) if tempfail else None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject.search(address):
            return "550 5.1.1 Mailbox unavailable"
        if self.tempfail and self.tempfail.search(address):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = uuid.uuid4().hex + ".eml"
        final = os.path.join(self.directory, name)
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        print("MESSAGE", final, envelope.mail_from or "-", ",".join(envelope.rcpt_tos), flush=True)
        return "250 OK queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--reject")
    parser.add_argument("--tempfail")
    args = parser.parse_args()

    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode()
              and auth_data.password == args.password.encode())
        # handled=False: aiosmtpd answers 535 itself when the check fails.
        return AuthResult(success=ok, handled=False)

    handler = Handler(args.dir, args.reject, args.tempfail)

    def factory():
        starttls = None if args.implicit_tls else tls_context
        kwargs = dict(hostname="localhost", tls_context=starttls)
        if args.user:
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=starttls is not None)
        else:
            kwargs.update(auth_require_tls=False)
        return SMTP(handler, **kwargs)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=args.port, ssl=tls_context if args.implicit_tls else None))
    print("PORT", server.sockets[0].getsockname()[1], flush=True)

    stop = loop.stop
    loop.add_signal_handler(signal.SIGTERM, stop)

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096):
            stop()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
