"""A toy library behind pysip2's SIP2 server, for Bookstation's SIP2 tests.

pysip2 (PyPI, pinned in the Makefile) does the protocol: framing, the
AY/AZ checks (required here: a frame without them is answered 96), and a
strict decoder that closes the connection on a malformed message. This
file is only the library: patrons with PINs and standings, items with
titles (Korean among them), loans and holds, loaded from Bookstation's
demo seed (JSON, `--seed`) and kept in `--state` after every change, so a
restarted server remembers what it applied.

Options that make it behave like a particular real server (all optional;
without them the answers are what they always were):

  --loan-days N          an online checkout is due today + N days (15)
  --nfd                  every text that may hold Korean (titles in 18, 12
                         and 10, the patron's name in 64 and 24, the library
                         name in 98, the screen message) is sent in Unicode
                         NFD, as some servers store it; item ids stay as is
  --screen-message TEXT  the 64 and 24 answers for a suspended patron carry
                         TEXT in AF and "AG:" + TEXT in AG; a refused
                         checkout (12 with ok 0) carries TEXT in AF
  --idle-timeout SECS    close a connection that has sent nothing for SECS
                         seconds (as Koha's and Evergreen's idle timeouts do)
  --trace FILE           append every frame received (`-> FRAME`) and sent
                         (`<- FRAME`) to FILE, one line each, as on the wire
                         (AY/AZ included), decoded with --encoding, without
                         its CR / CR LF, flushed after each line

It counts, in memory only (a restart starts again from 0), the connections
it accepted, the logins (93) and SC status requests (99) it received, and the
connections its idle timeout closed.

It prints `listening on PORT` once it accepts connections. Lines on stdin
steer it (each answered with one line on stdout, so a test awaits the
answer instead of sleeping):

  state              -> the circulation log, loans and holds, the counters
                        (connections, logins, sc_status, idle_closed) and
                        per_connection (logins, sc_status, idle_closed,
                        closed of each connection, in the order accepted),
                        as JSON
  drop 11 [N]        -> apply the next (Nth) checkout, then close the
                        connection without answering (a lost answer)
  exit_after 11 [N]  -> apply the next (Nth) checkout, save, and exit at
                        once (a server that dies mid-replay)
  wait OP ITEM       -> answered once the log has OP (checkout, checkin)
                        of ITEM, or after 60 s with `timeout`
  wait_count KEY N   -> `ok KEY N` once the counter KEY (connections,
                        logins, sc_status, idle_closed) reaches N, or after
                        60 s `timeout KEY N`
  quit               -> exit
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import threading
import unicodedata

import anyio
from anyio.abc import SocketAttribute

import pysip2
from pysip2 import (
    CHECKIN,
    CHECKOUT,
    END_PATRON_SESSION,
    ITEM_INFORMATION,
    LOGIN,
    PATRON_INFORMATION,
    PATRON_STATUS,
    SC_STATUS,
    CheckinResponse,
    CheckoutResponse,
    EndSessionResponse,
    ItemInformationResponse,
    LoginRequest,
    LoginResponse,
    PatronInformationResponse,
    PatronStatusResponse,
    SCStatusRequest,
)
from pysip2.errors import SIP2ProtocolError

# The library the seed's other-library loans belong to, as 18 and 10 name it (AQ).
OTHER_LIBRARY = "마포중앙도서관"

COUNTERS = ("connections", "logins", "sc_status", "idle_closed")


class Library:
    def __init__(self, seed: dict, state_path: str | None) -> None:
        self.state_path = state_path
        self.patrons = seed["patrons"]
        self.items = {s["item"]["id"]: s["item"] for s in seed["items"]}
        # Other libraries' copies on loan (the seed's loans with a kiosk of
        # their own): known here too, with their library in AQ, so one can
        # come back at this kiosk (통합반납).
        for l in seed["loans"]:
            if l.get("kiosk_id") and l["item_id"] not in self.items:
                self.items[l["item_id"]] = {"id": l["item_id"], "title": l.get("title") or l["item_id"],
                                            "library": OTHER_LIBRARY}
        if state_path and os.path.exists(state_path):
            with open(state_path, encoding="utf-8") as f:
                state = json.load(f)
        else:
            state = {
                "loans": [
                    {"item_id": l["item_id"], "patron_id": l["patron_id"], "due_date": l["due_date"]}
                    for l in seed["loans"]
                ],
                "holds": seed["holds"],
                "log": [],
            }
        self.loans: list[dict] = state["loans"]
        self.holds: list[dict] = state["holds"]
        self.log: list[dict] = state["log"]
        # Faults steered from stdin: command id -> [what to do, on which answer].
        self.faults: dict[str, list] = {}
        # Counted for the tests, in memory only; one dict per connection too.
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.connections: list[dict] = []
        self.changed = anyio.Event()
        self.loop_thread = threading.get_ident()

    def notify(self) -> None:
        # Whoever waits for a change (`wait`, `wait_count` on stdin) looks
        # again. The routes run in worker threads (pysip2 runs a plain def
        # handler with to_thread), and an event is only set from the loop.
        if threading.get_ident() != self.loop_thread:
            anyio.from_thread.run_sync(self.notify)
            return
        self.changed.set()
        self.changed = anyio.Event()

    def count(self, key: str, connection: dict | None = None) -> None:
        self.counts[key] += 1
        if connection is not None and key in connection:
            connection[key] += 1
        self.notify()

    def save(self) -> None:
        self.notify()
        if not self.state_path:
            return
        tmp = self.state_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"loans": self.loans, "holds": self.holds, "log": self.log}, f, ensure_ascii=False)
        os.replace(tmp, self.state_path)

    def patron(self, identifier: str) -> dict | None:
        for p in self.patrons:
            if identifier in (p["patron_id"], p["card_uid"], p["member_number"]):
                return p
        return None

    def loans_of(self, patron_id: str) -> list[dict]:
        return [l for l in self.loans if l["patron_id"] == patron_id]

    def overdue_of(self, patron_id: str) -> list[dict]:
        today = datetime.date.today().isoformat()
        return [l for l in self.loans_of(patron_id) if l["due_date"] < today]

    def loan_of(self, item_id: str) -> dict | None:
        return next((l for l in self.loans if l["item_id"] == item_id), None)

    def ready_hold(self, item_id: str) -> dict | None:
        return next((h for h in self.holds if h["item_id"] == item_id and h["ready"]), None)


def sip_date(day: str) -> str:
    return day.replace("-", "") + "    235959"


def count4(n: int) -> str:
    return f"{min(n, 9999):04d}"


def build(library: Library, args: argparse.Namespace, trace=None) -> pysip2.SIP2Server:
    def text(s: str) -> str:
        """A text that may hold Korean, as the server sends it (`--nfd`)."""
        return unicodedata.normalize("NFD", s) if args.nfd else s

    screen = (text(args.screen_message),) if args.screen_message is not None else ()
    printed = (text("AG:" + args.screen_message),) if args.screen_message is not None else ()

    app = DroppingServer(
        library,
        trace=trace,
        error_detection="required",
        encoding=args.encoding,
        institution_id="MAPO",
        library_name=text("마포구립도서관"),
        login_required=args.login_user is not None,
        idle_timeout=args.idle_timeout,
    )

    @app.route(LOGIN)
    def login(req, ctx):
        ok = args.login_user is None or (
            req.login_user_id == args.login_user and req.login_password == args.login_password
        )
        return LoginResponse(ok="1" if ok else "0")

    @app.route(SC_STATUS)
    def sc_status(req, ctx):
        return ctx.server.build_acs_status(req)

    def flags(p: dict | None) -> str:
        if p is None:
            return "Y" * 14
        f = [" "] * 14
        if p["standing"] == "suspended":
            f[0] = "Y"
        if len(library.loans_of(p["patron_id"])) >= 5:
            f[5] = "Y"
        return "".join(f)

    def suspended(p: dict | None) -> bool:
        return p is not None and p["standing"] == "suspended"

    def password_ok(p: dict | None, given: str | None) -> str | None:
        if not given:
            return None
        return "Y" if p is not None and p["pin"] == given else "N"

    @app.route(PATRON_INFORMATION)
    def patron_information(req, ctx):
        p = library.patron(req.patron_identifier)
        pid = p["patron_id"] if p else req.patron_identifier
        loans = library.loans_of(pid) if p else []
        overdue = library.overdue_of(pid) if p else []
        extra = p["extra_overdue"] if p else 0
        ready = [h["item_id"] for h in library.holds if p and h["patron_id"] == pid and h["ready"]]
        waiting = [h["item_id"] for h in library.holds if p and h["patron_id"] == pid and not h["ready"]]
        summary = req.summary
        return PatronInformationResponse(
            patron_status=flags(p),
            language="000",
            transaction_date=ctx.now_18(),
            hold_items_count=count4(len(ready)),
            overdue_items_count=count4(len(overdue) + extra),
            charged_items_count=count4(len(loans)),
            fine_items_count="0000",
            recall_items_count="0000",
            unavailable_holds_count=count4(len(waiting)),
            institution_id=req.institution_id,
            patron_identifier=pid,
            personal_name=text("홍길동") if p else "",
            valid_patron="Y" if p else "N",
            valid_patron_password=password_ok(p, req.patron_password),
            screen_message=screen if suspended(p) else (),
            print_line=printed if suspended(p) else (),
            hold_items=tuple(ready) if summary[0] == "Y" else (),
            overdue_items=tuple(l["item_id"] for l in overdue) if summary[1] == "Y" else (),
            charged_items=tuple(l["item_id"] for l in loans) if summary[2] == "Y" else (),
            unavailable_hold_items=tuple(waiting) if summary[5] == "Y" else (),
        )

    @app.route(PATRON_STATUS)
    def patron_status(req, ctx):
        p = library.patron(req.patron_identifier)
        return PatronStatusResponse(
            patron_status=flags(p),
            language="000",
            transaction_date=ctx.now_18(),
            institution_id=req.institution_id,
            patron_identifier=p["patron_id"] if p else req.patron_identifier,
            personal_name=text("홍길동") if p else "",
            valid_patron="Y" if p else "N",
            valid_patron_password=password_ok(p, req.patron_password),
            screen_message=screen if suspended(p) else (),
            print_line=printed if suspended(p) else (),
        )

    @app.route(END_PATRON_SESSION)
    def end_session(req, ctx):
        return EndSessionResponse(
            end_session="Y",
            transaction_date=ctx.now_18(),
            institution_id=req.institution_id,
            patron_identifier=req.patron_identifier,
        )

    @app.route(ITEM_INFORMATION)
    def item_information(req, ctx):
        item = library.items.get(req.item_identifier)
        loan = library.loan_of(req.item_identifier)
        hold = library.ready_hold(req.item_identifier)
        status = "01" if item is None else "04" if loan else "08" if hold else "03"
        return ItemInformationResponse(
            circulation_status=status,
            security_marker="00",
            fee_type="01",
            transaction_date=ctx.now_18(),
            due_date=sip_date(loan["due_date"]) if loan else None,
            hold_pickup_date=ctx.now_18() if hold else None,
            item_identifier=req.item_identifier,
            title_identifier=text(item["title"]) if item else "",
            permanent_location=text(item["library"]) if item and item.get("library") else None,
        )

    def checkout_answer(req, ctx, ok: bool, title: str, due: str) -> CheckoutResponse:
        return CheckoutResponse(
            ok="1" if ok else "0",
            renewal_ok="N",
            magnetic_media="N",
            desensitize="Y" if ok else "N",
            transaction_date=ctx.now_18(),
            institution_id=req.institution_id,
            patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier,
            title_identifier=text(title),
            due_date=due,
            screen_message=() if ok else screen,
        )

    @app.route(CHECKOUT)
    def checkout(req, ctx):
        p = library.patron(req.patron_identifier)
        item = library.items.get(req.item_identifier)
        if p is None or item is None:
            return checkout_answer(req, ctx, False, item["title"] if item else "", "")
        pid = p["patron_id"]
        loan = library.loan_of(req.item_identifier)
        hold = library.ready_hold(req.item_identifier)
        offline = req.no_block == "Y"
        if not offline and (
            p["standing"] == "suspended"
            or (loan is not None)
            or (hold is not None and hold["patron_id"] != pid)
        ):
            return checkout_answer(req, ctx, False, item["title"], "")
        if loan is not None:
            library.loans.remove(loan)
        if offline:
            due = req.nb_due_date[:4] + "-" + req.nb_due_date[4:6] + "-" + req.nb_due_date[6:8]
        else:
            due = (datetime.date.today() + datetime.timedelta(days=args.loan_days)).isoformat()
        library.loans.append({"item_id": req.item_identifier, "patron_id": pid, "due_date": due})
        if hold is not None and hold["patron_id"] == pid:
            library.holds.remove(hold)
        library.log.append(
            {"op": "checkout", "item": req.item_identifier, "patron": pid, "no_block": offline,
             "date": req.transaction_date, "due": due}
        )
        library.save()
        return checkout_answer(req, ctx, True, item["title"], sip_date(due))

    @app.route(CHECKIN)
    def checkin(req, ctx):
        item = library.items.get(req.item_identifier)
        loan = library.loan_of(req.item_identifier)
        if loan is not None:
            library.loans.remove(loan)
            library.log.append(
                {"op": "checkin", "item": req.item_identifier, "no_block": req.no_block == "Y",
                 "date": req.return_date, "location": req.current_location}
            )
            library.save()
        foreign = bool(item and item.get("library"))
        return CheckinResponse(
            ok="1" if loan is not None else "0",
            resensitize="Y",
            magnetic_media="N",
            # Another library's book: staff must send it back there.
            alert="N" if loan is not None and not foreign else "Y",
            transaction_date=ctx.now_18(),
            institution_id=req.institution_id,
            item_identifier=req.item_identifier,
            permanent_location=text(item["library"]) if foreign else "MAPO",
            title_identifier=text(item["title"]) if item else None,
        )

    return app


class TracedStream:
    """A connection's stream that writes every frame sent on it to the trace
    first: pysip2 sends its answers, its 96s and its replays of the last
    answer (97, a resent duplicate) all with stream.send."""

    def __init__(self, stream, server: "DroppingServer") -> None:
        self._stream = stream
        self._server = server

    def __getattr__(self, name):
        return getattr(self._stream, name)

    async def __aenter__(self):
        await self._stream.__aenter__()
        return self

    async def __aexit__(self, *exc):
        return await self._stream.__aexit__(*exc)

    async def send(self, data: bytes) -> None:
        # Traced before it is sent: a client holding the answer finds it there.
        self._server.trace_frame("<-", data)
        await self._stream.send(data)


class DroppingServer(pysip2.SIP2Server):
    """pysip2's server, with the faults a test asks for on stdin, counting
    connections, logins, SC status requests and idle closes."""

    def __init__(self, library: Library, trace=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.library = library
        # `--trace`: a text file open for appending, or None.
        self.trace = trace
        # The counts of each open connection, by its stream.
        self.open: dict[object, dict] = {}

    def trace_frame(self, direction: str, frame: bytes) -> None:
        if self.trace is None:
            return
        # The CR that ends a frame, and the LF of a CR LF (pysip2 splits
        # frames at CR, so it leads the next frame).
        text = frame.decode(self.encoding, errors="backslashreplace").strip("\r\n")
        self.trace.write(f"{direction} {text}\n")
        self.trace.flush()

    async def _process_frame(self, stream, state, frame: bytes) -> None:
        # Each frame as pysip2 cut it from the bytes received, before decoding.
        self.trace_frame("->", frame)
        await super()._process_frame(stream, state, frame)

    async def _handle_connection(self, stream) -> None:
        if self.trace is not None:
            stream = TracedStream(stream, self)
        connection = {"logins": 0, "sc_status": 0, "idle_closed": False, "closed": False}
        self.library.connections.append(connection)
        self.open[stream] = connection
        self.library.count("connections")
        try:
            # pysip2 closes the stream and keeps any error of this connection
            # (idle timeout, malformed frame, dropped answer) to it.
            await super()._handle_connection(stream)
        finally:
            del self.open[stream]
            connection["closed"] = True
            if connection["idle_closed"]:
                # Counted once the stream is closed, so a test that awaits
                # the count finds the connection gone.
                self.library.count("idle_closed")
            else:
                self.library.notify()

    async def _receive(self, stream) -> bytes:
        # pysip2's own idle timeout, counted: whatever the client sends (a
        # frame or part of one) starts it again.
        if self.idle_timeout is None:
            return await stream.receive(self.max_message_size)
        with anyio.move_on_after(self.idle_timeout):
            return await stream.receive(self.max_message_size)
        connection = self.open.get(stream)
        if connection is not None:
            connection["idle_closed"] = True
        raise SIP2ProtocolError("idle timeout")

    async def _dispatch(self, stream, state, decoded) -> None:
        # Counted as received (a resent duplicate too), before it is answered.
        if isinstance(decoded.message, LoginRequest):
            self.library.count("logins", self.open.get(stream))
        elif isinstance(decoded.message, SCStatusRequest):
            self.library.count("sc_status", self.open.get(stream))
        await super()._dispatch(stream, state, decoded)

    async def _write_response(self, stream, state, decoded, response) -> None:
        command = pysip2.models.spec_for_type(type(decoded.message)).command_id
        fault = None
        pending = self.library.faults.get(command)
        if pending is not None:
            pending[1] -= 1
            if pending[1] == 0:
                fault = self.library.faults.pop(command)[0]
        if fault == "drop":
            # Applied, answer lost: pysip2 closes the connection on this.
            raise SIP2ProtocolError("answer dropped by the test")
        if fault == "exit_after":
            self.library.save()
            os._exit(0)
        await super()._write_response(stream, state, decoded, response)


async def control(library: Library) -> None:
    while True:
        line = await anyio.to_thread.run_sync(sys.stdin.readline)
        if not line:
            return
        words = line.split()
        if not words:
            continue
        if words[0] == "state":
            print(json.dumps({"log": library.log, "loans": library.loans, "holds": library.holds,
                              **library.counts, "per_connection": library.connections},
                             ensure_ascii=False), flush=True)
        elif words[0] in ("drop", "exit_after") and len(words) in (2, 3):
            nth = int(words[2]) if len(words) == 3 else 1
            library.faults[words[1]] = [words[0], nth]
            print(f"ok {words[0]} {words[1]} {nth}", flush=True)
        elif words[0] == "wait" and len(words) == 3:
            op, item = words[1], words[2]
            with anyio.move_on_after(60):
                while not any(e["op"] == op and e["item"] == item for e in library.log):
                    await library.changed.wait()
            done = any(e["op"] == op and e["item"] == item for e in library.log)
            print(f"{'ok' if done else 'timeout'} {op} {item}", flush=True)
        elif words[0] == "wait_count" and len(words) == 3 and words[1] in COUNTERS and words[2].isdigit():
            key, n = words[1], int(words[2])
            with anyio.move_on_after(60):
                while library.counts[key] < n:
                    await library.changed.wait()
            done = library.counts[key] >= n
            print(f"{'ok' if done else 'timeout'} {key} {n}", flush=True)
        elif words[0] == "quit":
            os._exit(0)
        else:
            print(f"unknown command {words[0]}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", required=True, help="Bookstation's demo seed as JSON")
    parser.add_argument("--state", help="keep loans, holds and the log here (survives a restart)")
    parser.add_argument("--encoding", default="utf-8", help="utf-8 or cp949 (EUC-KR)")
    parser.add_argument("--login-user")
    parser.add_argument("--login-password")
    parser.add_argument("--loan-days", type=int, default=15,
                        help="an online checkout is due today + N days")
    parser.add_argument("--nfd", action="store_true",
                        help="send every text that may hold Korean in Unicode NFD")
    parser.add_argument("--screen-message",
                        help="AF (and AG) for a suspended patron's 64/24, AF for a refused 12")
    parser.add_argument("--idle-timeout", type=float,
                        help="close a connection that has sent nothing for SECS seconds")
    parser.add_argument("--trace", metavar="FILE",
                        help="append every frame received (-> ) and sent (<- ) to FILE")
    args = parser.parse_args()
    if args.nfd:
        try:
            unicodedata.normalize("NFD", "한").encode(args.encoding)
        except UnicodeEncodeError:
            # cp949 has no conjoining jamo: every answer would close the connection.
            parser.error(f"--nfd needs an encoding with conjoining jamo (utf-8), not {args.encoding}")
    with open(args.seed, encoding="utf-8") as f:
        library = Library(json.load(f), args.state)
    trace = open(args.trace, "a", encoding="utf-8") if args.trace else None
    app = build(library, args, trace)
    listener = await app.listen("127.0.0.1", args.port)
    port = listener.extra(SocketAttribute.local_port)
    print(f"listening on {port}", flush=True)
    async with anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, app._handle_connection)
        tg.start_soon(control, library)


if __name__ == "__main__":
    anyio.run(main)
