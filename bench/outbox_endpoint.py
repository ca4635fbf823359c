"""A local stand-in for the WhatsApp Business Cloud API's message endpoint, for bench/outbox.sh.

    outbox_endpoint.py serve PORT      answers POST /v21.0/{id}/messages as the Cloud API does
                                       (a message id), counts them; GET /count says how many
    outbox_endpoint.py drive URL N     the peer: N messages posted by a bare keep-alive client,
                                       one after another as Sentra's sender does; prints msg/s
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

count = 0
lock = threading.Lock()


class Endpoint(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes: without this, Nagle holds the second until the
    # client's delayed ACK (40 ms), and the endpoint, not the sender, is what is measured.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length", "0"))
        json.loads(self.rfile.read(length) or b"{}")
        with lock:
            count += 1
            n = count
        self.reply(json.dumps({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "x", "wa_id": "x"}],
            "messages": [{"id": f"wamid.bench{n}"}],
        }).encode())

    def do_GET(self):
        with lock:
            n = count
        self.reply(str(n).encode())


def drive(url: str, n: int):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    body = json.dumps({
        "messaging_product": "whatsapp", "to": "6281234567890", "type": "text",
        "text": {"body": "Pendaftaran bazar Ramadan dibuka. Balas STOP untuk berhenti."},
    })
    t0 = time.perf_counter()
    for _ in range(n):
        conn.request("POST", u.path + "/1/messages", body,
                     {"Content-Type": "application/json", "Authorization": "Bearer t"})
        conn.getresponse().read()
    dt = time.perf_counter() - t0
    print(f"{n / dt:.0f}")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Endpoint).serve_forever()
    else:
        drive(sys.argv[2], int(sys.argv[3]))
