#!/usr/bin/python3
"""A real SMTP server for the mailsink tests: Python's aiosmtpd (Debian
python3-aiosmtpd) on a loopback port chosen by the kernel.

It listens on 127.0.0.1 (--host) and a port the kernel picks (--port).
Each accepted message is written to DIR/NNNNNN.eml (the envelope sender and
recipients as X-Envelope-From/X-Envelope-To headers, then the message as
received), atomically. Prints "READY <port>" on stdout once it listens.

  smtpd.py --dir DIR [--host IP] [--port PORT] [--tls starttls|implicit|none]
           [--cert PEM --key PEM] [--auth USER:PASSWORD] [--fail CODE:COUNT]

--tls starttls requires STARTTLS before MAIL; --auth requires AUTH (PLAIN,
LOGIN or CRAM-MD5, over TLS only); --fail answers the DATA of the first
COUNT messages with CODE.
"""

import argparse
import asyncio
import hmac
import os
import ssl
import sys
import time

from aiosmtpd.smtp import MISSING, SMTP, AuthResult


class Handler:
    def __init__(self, out, fail_code, fail_count):
        self.out = out
        self.n = 0
        self.fail_code = fail_code
        self.fail_left = fail_count

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            if self.fail_code >= 500:
                return "%d 5.7.1 rejected by the test server" % self.fail_code
            return "%d 4.3.0 try again later (test server)" % self.fail_code
        self.n += 1
        name = os.path.join(self.out, "%06d.eml" % self.n)
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\nX-Auth: %s\r\nX-TLS: %s\r\n" % (
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            session.authenticated and "yes" or "no",
            (session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None) and "yes" or "no",
        )
        with open(name + ".tmp", "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 OK queued as %06d" % self.n


class CramMD5Handler(Handler):
    """Adds AUTH CRAM-MD5 (RFC 2195), which aiosmtpd does not have."""

    def __init__(self, out, fail_code, fail_count, user, password):
        super().__init__(out, fail_code, fail_count)
        self.user = user
        self.password = password

    async def auth_CRAM__MD5(self, server, args):
        challenge = ("<%d.%d@smtp.test>" % (os.getpid(), time.time_ns())).encode()
        response = await server.challenge_auth(challenge)
        if response is MISSING:
            return AuthResult(success=False)
        user, _, digest = response.decode().rpartition(" ")
        want = hmac.new(self.password.encode(), challenge, "md5").hexdigest()
        ok = user == self.user and hmac.compare_digest(digest, want)
        return AuthResult(success=ok, handled=False, auth_data=user)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls", default="none", choices=["starttls", "implicit", "none"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--fail", default="0:0")
    a = p.parse_args()

    code, count = (int(x) for x in a.fail.split(":"))
    handler = Handler(a.dir, code, count)
    if a.auth:
        handler = CramMD5Handler(a.dir, code, count, *a.auth.split(":", 1))
    ctx = None
    if a.tls != "none":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)

    kw = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)

        # aiosmtpd knows only STARTTLS as TLS: with implicit TLS the whole
        # connection is encrypted, but it would not offer AUTH.
        kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=a.tls != "implicit")

    def factory():
        return SMTP(
            handler,
            hostname="smtp.test",
            tls_context=ctx if a.tls == "starttls" else None,
            require_starttls=a.tls == "starttls",
            **kw,
        )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, a.host, a.port, ssl=ctx if a.tls == "implicit" else None)
    )
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
