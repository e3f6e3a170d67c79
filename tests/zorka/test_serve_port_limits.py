"""The TCP server of `zorka serve`'s ports under abuse, on real sockets on 127.0.0.1: the client cap, the
idle timeout, junk thrown away in bulk, the per-poll budget shared fairly, running out of descriptors."""

import resource
import socket
import time

import pytest
from spacepackets.ccsds import SpacePacket, SpacePacketHeader
from spacepackets.ccsds.spacepacket import PacketType

from zorka.serve.packet_port import PacketServer, PortLimits


def packet(seq: int, data_bytes: int = 16) -> bytes:
    header = SpacePacketHeader(packet_type=PacketType.TC, apid=0x100, seq_count=seq, data_len=data_bytes - 1)
    return SpacePacket(header, sec_header=None, user_data=bytes(data_bytes)).pack()


def poll_until(server: PacketServer, done, timeout_s: float = 5.0) -> int:
    """Poll like the 10 Hz loop (without the wait) until `done()`; the polls it took."""
    deadline, polls = time.monotonic() + timeout_s, 0
    while not done():
        assert time.monotonic() < deadline, server.counters
        server.poll()
        polls += 1
        time.sleep(0.001)
    return polls


def connect(server: PacketServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5.0)


def closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_beyond_the_cap_connections_are_closed_at_once_and_counted():
    delivered = []
    server = PacketServer(0, delivered.append, limits=PortLimits(max_clients=3))
    socks = [connect(server) for _ in range(8)]
    try:
        poll_until(server, lambda: server.counters.accepted + server.counters.refused == 8)
        assert (server.counters.accepted, server.counters.refused, server.client_count) == (3, 5, 3)
        assert sum(closed_by_server(s) for s in socks[3:]) == 5
        socks[0].sendall(packet(1))
        poll_until(server, lambda: delivered)
        assert delivered == [packet(1)] and server.counters.units_delivered == 1
    finally:
        for sock in socks:
            sock.close()
        server.close()


def test_a_silent_client_keeps_its_place_while_there_is_room():
    """A ground that only watches telemetry sends nothing: never cut off while nobody needs its place."""
    now = [0.0]
    server = PacketServer(0, lambda _: None, limits=PortLimits(idle_timeout_s=30.0), clock_s=lambda: now[0])
    silent = connect(server)
    try:
        poll_until(server, lambda: server.client_count == 1)
        for t_s in (10.0, 100.0, 1000.0):
            now[0] = t_s
            server.send(packet(int(t_s)))
            server.poll()
        assert (server.counters.idle_closed, server.client_count) == (0, 1)
        assert len(silent.recv(4096)) > 0
    finally:
        silent.close()
        server.close()


def test_a_full_port_gives_a_newcomer_the_place_of_the_client_silent_past_the_timeout_never_a_talking_one():
    now = [0.0]
    limits = PortLimits(max_clients=2, idle_timeout_s=30.0)
    server = PacketServer(0, lambda _: None, limits=limits, clock_s=lambda: now[0])
    silent, talking = connect(server), connect(server)
    newcomers = []
    try:
        poll_until(server, lambda: server.client_count == 2)
        now[0] = 20.0
        newcomers.append(connect(server))  # nobody silent for 30 s yet: refused
        poll_until(server, lambda: server.counters.refused == 1)
        for t_s in (29.0, 40.0):
            now[0] = t_s
            talking.sendall(packet(int(t_s)))
            time.sleep(0.02)
            server.poll()
        assert (server.counters.idle_closed, server.client_count) == (0, 2)
        newcomers.append(connect(server))  # `silent` has sent nothing for 40 s: it gives its place up
        poll_until(server, lambda: server.counters.accepted == 3)
        assert (server.counters.idle_closed, server.counters.refused, server.client_count) == (1, 1, 2)
        assert closed_by_server(silent) and closed_by_server(newcomers[0])
        talking.sendall(packet(41))
        newcomers[1].sendall(packet(42))
        time.sleep(0.02)
        server.poll()
        now[0] = 100.0
        newcomers.append(connect(server))  # both heard at 40 s, 60 s ago: the one heard first goes
        poll_until(server, lambda: server.counters.idle_closed == 2)
        assert server.client_count == 2
    finally:
        for sock in (silent, talking, *newcomers):
            sock.close()
        server.close()


@pytest.mark.parametrize("junk", [b"\xff" * 65536, bytes(range(0x20, 0x100)) * 256])
def test_junk_is_thrown_away_in_bulk_counted_and_the_next_packet_comes_through(junk):
    delivered = []
    server = PacketServer(0, delivered.append)
    sock = connect(server)
    try:
        sock.sendall(junk + packet(7))
        poll_until(server, lambda: delivered)
        assert delivered == [packet(7)]
        assert server.counters.bytes_discarded == len(junk)
        assert server.figures()["bytes_discarded"] == len(junk)
    finally:
        sock.close()
        server.close()


def test_flooders_cannot_starve_a_client_and_a_poll_keeps_to_its_budget():
    """Five clients flood valid packets whose delivery costs 1 ms each; a poll may take 10 ms. The quiet
    client's packet is delivered by the second poll, no poll overruns its budget by more than one unit,
    and every packet accepted from the flooders is delivered in the end (none lost)."""
    delivered: list[bytes] = []

    def slow_deliver(unit: bytes) -> None:
        time.sleep(0.001)
        delivered.append(unit)

    server = PacketServer(0, slow_deliver, limits=PortLimits(budget_s=0.010))
    flooders = [connect(server) for _ in range(5)]
    quiet = connect(server)
    try:
        poll_until(server, lambda: server.client_count == 6)
        burst, sent_bytes = b"".join(packet(k % 16384) for k in range(400)), 0
        for flooder in flooders:
            flooder.setblocking(False)
            sent_bytes += flooder.send(burst)
        time.sleep(0.05)
        quiet.sendall(packet(9999, 20))
        polls, longest_s = 0, 0.0
        while packet(9999, 20) not in delivered:
            start_s = time.monotonic()
            server.poll()
            longest_s = max(longest_s, time.monotonic() - start_s)
            polls += 1
            assert polls < 20, (polls, len(delivered))
        assert polls <= 2, polls
        assert longest_s < 0.010 + 0.006, longest_s
        for flooder in flooders:
            flooder.close()
        poll_until(server, lambda: server.client_count == 1, timeout_s=30.0)
        assert server.counters.units_delivered == len(delivered)
        assert len(delivered) == 1 + sent_bytes // len(packet(0))
    finally:
        quiet.close()
        server.close()


def test_out_of_file_descriptors_the_server_refuses_counts_says_so_and_keeps_serving(capsys):
    delivered = []
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    server = PacketServer(0, delivered.append)
    waiting = [connect(server) for _ in range(3)]
    hoard: list[int] = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
    try:
        while True:
            try:
                hoard.append(socket.socket().detach())
            except OSError:
                break
        server.poll()
        server.poll()
        assert server.counters.fd_exhausted >= 1 and server.counters.accepted == 0
        assert "out of file descriptors" in capsys.readouterr().err
        for fd in hoard:
            socket.close(fd)
        hoard.clear()
        late = connect(server)
        waiting.append(late)
        poll_until(server, lambda: server.counters.accepted >= 1)
        late.sendall(packet(3))
        poll_until(server, lambda: delivered)
    finally:
        for fd in hoard:
            socket.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        for sock in waiting:
            sock.close()
        server.close()
