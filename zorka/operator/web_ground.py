"""`zorka ground`: a ground process that holds the link like the console and serves the web ground page
(ground/web/) on 127.0.0.1, archiving everything the link carries (ground/tm_store.py).

The link and dictionary options are the console's (`--link-port N --keys FILE` or `--packet-port N`,
`--dict FILE`); the link is re-opened every second after it breaks, so the page outlives restarts of
`zorka serve`. The archive is `--archive PATH`, by default zorka-archive.sqlite beside the key file (the
console and `zorka send` write to the same file). Binding beyond the loopback (`--bind ADDR`) needs
`--token TOKEN`, which every request must then carry. Runs until Ctrl-C or SIGTERM (exit 0); a bad
command line is one line and exit 2.
"""

import argparse
import ipaddress
import signal

from ground.key_store import KeyFileError, KeyStore
from ground.packet_client import LOOPBACK
from ground.session import Transport
from ground.web.ground_station import GroundStation
from ground.web.server import GroundServer
from zorka.operator.ground_operator import (
    OperatorError,
    archive_path,
    check_timeout,
    connect,
    load_dictionary,
    one_line_failures,
    open_store,
)

MIN_TOKEN_CHARS = 16


def link_name(args: argparse.Namespace) -> str:
    if args.link_port is not None:
        return f"{LOOPBACK}:{args.link_port} frames"
    return f"{LOOPBACK}:{args.packet_port} packets"


def check_access(bind: str, token: str | None, http_port: int) -> None:
    """Loopback unless the operator asked for more, and then only with a token worth the name."""
    if not 0 <= http_port <= 65535:
        raise OperatorError(f"argument --http: {http_port} is not a TCP port (0-65535; 0: any free port)", 2)
    try:
        address = ipaddress.ip_address(bind)
    except ValueError:
        raise OperatorError(f"argument --bind: {bind!r} is not an IP address (e.g. 127.0.0.1)", 2) from None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise OperatorError(f"argument --token: use at least {MIN_TOKEN_CHARS} characters", 2)
    if not address.is_loopback and token is None:
        raise OperatorError(f"argument --bind: {bind} is beyond the loopback; give --token TOKEN too", 2)


def ground(args: argparse.Namespace) -> int:
    check_timeout(args.timeout)
    check_access(args.bind, args.token, args.http)
    port = args.link_port if args.link_port is not None else args.packet_port
    if not 0 < port <= 65535:
        option = "--link-port" if args.link_port is not None else "--packet-port"
        raise OperatorError(f"argument {option}: {port} is not a TCP port (1-65535)", 2)
    if args.link_port is not None:
        if not args.keys.exists():
            raise OperatorError(
                f"argument --keys: no key file {str(args.keys)!r}; `zorka serve` makes one", 2
            )
        try:
            KeyStore(args.keys)
        except (KeyFileError, OSError) as problem:
            raise OperatorError(f"argument --keys: {problem}", 2) from None
    dictionary = load_dictionary(args.dict)
    store = open_store(archive_path(args), dictionary, "ground", link_name(args))

    def transport() -> Transport:
        try:
            return connect(args, dictionary)
        except OperatorError as problem:
            raise ConnectionError(str(problem)) from None

    station = GroundStation(transport, dictionary, store, link_name(args), args.timeout)
    try:
        server = GroundServer((args.bind, args.http), station, args.token)
    except OSError as failure:
        store.close()
        raise OperatorError(
            f"argument --http: cannot listen on {args.bind}:{args.http} ({failure})", 1
        ) from None
    signal.signal(signal.SIGTERM, _interrupt)
    station.start()
    print(f"zorka ground: {server.url} (link {link_name(args)}, archive {store.path})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        station.stop()
        store.close()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


ground_command = one_line_failures("ground", ground)
