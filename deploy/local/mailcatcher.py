#!/usr/bin/python3
"""A real SMTP server that keeps what it receives: the local stack's and the tests' mail catcher.

Each accepted message is written to DIR as NNNNNN.eml (the bytes as received) and NNNNNN.json
(the envelope and the message as Python's own e-mail parser reads it: decoded subject, the
plain-text and HTML parts), the JSON last and atomically, so a reader never sees half a mail.
Runs until SIGTERM or SIGINT. Debian's python3-aiosmtpd.
"""
import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import re
import signal
import time

from aiosmtpd.controller import Controller


def raw_header(raw, name):
    """A header as it was sent, unfolded but not decoded ("" when absent)."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    match = re.search(r"^" + name + r":[ \t]*(.*(?:\r\n[ \t].*)*)", head, re.MULTILINE | re.IGNORECASE)
    return re.sub(r"\r\n[ \t]+", " ", match.group(1)).strip() if match else ""


class Keeper:
    def __init__(self, directory):
        self.directory = directory
        existing = [int(name[:6]) for name in os.listdir(directory) if name.endswith(".json") and name[:6].isdigit()]
        self.counter = itertools.count(max(existing, default=0) + 1)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            kind = part.get_content_type()
            if kind in ("text/plain", "text/html") and kind not in parts:
                parts[kind] = part.get_content()
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "receivedAt": time.time(),
            "subject": str(message.get("Subject", "")),
            "rawSubject": raw_header(raw, "Subject"),
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "date": str(message.get("Date", "")),
            "messageId": str(message.get("Message-ID", "")),
            "contentType": message.get_content_type(),
            "headers": {name: str(value) for name, value in message.items()},
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "defects": [str(defect) for defect in message.defects],
        }
        number = next(self.counter)
        base = os.path.join(self.directory, f"{number:06d}")
        with open(base + ".eml", "wb") as handle:
            handle.write(raw)
        with open(base + ".json.tmp", "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=25025)
    parser.add_argument("--dir", required=True)
    arguments = parser.parse_args()
    os.makedirs(arguments.dir, exist_ok=True)
    # aiosmtpd gives its server thread 5 s to answer its own test connection, then raises and
    # the catcher exits with its port briefly bound: too short on a loaded 2-core machine.
    controller = Controller(Keeper(arguments.dir), hostname=arguments.host, port=arguments.port,
                            decode_data=False, enable_SMTPUTF8=True, data_size_limit=10 * 1024 * 1024,
                            ready_timeout=60)
    controller.start()
    print(f"mail catcher on {arguments.host}:{arguments.port}, keeping mail in {arguments.dir}", flush=True)
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    loop.run_until_complete(stop)
    controller.stop()


if __name__ == "__main__":
    main()
