"""`zorka wire A B`: join two serial endpoints by a paced, faulty link until Ctrl-C, SIGTERM or --duration.

Prints one line per endpoint at start (`wire: A on PATH`); at the end, the counts of each direction
(`wire: A->B read=N ...`) and of each endpoint (`wire: A reopens=N`).
"""

import argparse
import signal
import sys

import serial

from zorka.wire.paced_link import Endpoint, PacedLink


def wire_command(args: argparse.Namespace) -> int:
    """0 after a clean stop; 1 if an endpoint cannot be opened or fails while forwarding."""
    endpoints: list[Endpoint] = []
    for name, spec in (("A", args.a), ("B", args.b)):
        try:
            endpoints.append(Endpoint(name, spec, args.baud))
        except (serial.SerialException, OSError, ValueError) as failure:
            print(f"wire: cannot open {name} ({spec}): {failure}", file=sys.stderr, flush=True)
            for endpoint in endpoints:
                endpoint.close()
            return 1
    a, b = endpoints
    drop_s, drop_p = args.drop_ms
    link = PacedLink(a, b, args.baud, args.corrupt, drop_s, drop_p, args.seed)

    def _stop(_signum: int, _frame: object) -> None:
        link.stop()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"wire: A on {a.path}", flush=True)
    print(f"wire: B on {b.path}", flush=True)
    status = 0
    try:
        link.run(args.duration)
    except OSError as failure:
        print(f"wire: link failed: {failure}", file=sys.stderr, flush=True)
        status = 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        link.close()
        for endpoint in endpoints:
            endpoint.close()
    print(f"wire: A->B {link.a_to_b.counters.as_text()}", flush=True)
    print(f"wire: B->A {link.b_to_a.counters.as_text()}", flush=True)
    for endpoint in endpoints:
        print(f"wire: {endpoint.name} reopens={endpoint.reopens}", flush=True)
    return status
