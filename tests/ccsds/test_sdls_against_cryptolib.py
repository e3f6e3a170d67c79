"""ccsds.sdls against NASA CryptoLib's TC HMAC-SHA-256 vectors (tests/data/sdls_tc_hmac_sha256.json, a copy of
the workspace's shared/data/sdls), and a forgery campaign."""

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccsds.sdls import SaState, SdlsReceiver, SdlsSender, SdlsVerdict, SecurityAssociation
from ccsds.tc_frame import TcFrame, crc16

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "data" / "sdls_tc_hmac_sha256.json").read_text())
CONFIGS = {c["name"]: c for c in VECTORS["configs"]}
INACTIVE_SPI = 0x30
LENGTH_AND_SPI_OCTETS = (2, 3, 6, 7)
"""Octets checked before the CRC in config A (length field, SPI): a flip there is another reject."""
STRICTER_THAN_CRYPTOLIB = {"rx_zero_start_arsn_0_last_0", "rx_zero_start_replay_arsn_0_immediately"}
"""Cases where CryptoLib accepts ARSN 0 while its stored ARSN is 0; ccsds.sdls rejects that replay."""


def _association(config: dict, arsn: int) -> SecurityAssociation:
    return SecurityAssociation(
        spi=config["spi"],
        key=bytes.fromhex(config["key_hex"]),
        arsn_bytes=config["arsn_len"],
        arsn_window=config["arsn_window"],
        arsn=arsn,
    )


def _receiver(config: dict, arsn: int) -> SdlsReceiver:
    inactive = SecurityAssociation(spi=INACTIVE_SPI, key=bytes(32), state=SaState.KEYED)
    return SdlsReceiver(
        {config["spi"]: _association(config, arsn), INACTIVE_SPI: inactive}, config["segment_header"]
    )


@pytest.mark.parametrize("vector", VECTORS["apply"], ids=lambda v: f"{v['config'][:1]}-{v['name']}")
def test_apply_reproduces_cryptolib(vector):
    config = CONFIGS[vector["config"]]
    sa = _association(config, int(vector["sender_sa_arsn_before_hex"], 16))
    sender = SdlsSender(sa, config["segment_header"])
    assert (
        sender.apply(bytes.fromhex(vector["frame_before_apply_hex"])).hex() == vector["frame_after_apply_hex"]
    )
    assert sa.arsn == int(vector["sender_sa_arsn_after_hex"], 16)


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
def test_process_reproduces_cryptolib_in_file_order(config_name):
    config = CONFIGS[config_name]
    cases = [c for c in VECTORS["cases"] if c["config"] == config_name]
    receiver = _receiver(config, int(cases[0]["receiver_sa_arsn_before_hex"], 16))
    sa = receiver.associations[config["spi"]]
    previous_after = cases[0]["receiver_sa_arsn_before_hex"]
    for case in cases:
        if case["receiver_sa_arsn_before_hex"] == previous_after:
            assert sa.arsn == int(previous_after, 16), case["name"]
        else:
            sa.arsn = int(case["receiver_sa_arsn_before_hex"], 16)
        previous_after = case["receiver_sa_arsn_after_hex"]
        verdict, plain = receiver.process(bytes.fromhex(case["frame_processed_hex"]))
        if case["name"] in STRICTER_THAN_CRYPTOLIB:
            assert verdict == SdlsVerdict.ARSN_OUTSIDE_WINDOW, case["name"]
        else:
            assert verdict == case["process_rc"], case["name"]
        assert sa.arsn == int(case["receiver_sa_arsn_after_hex"], 16), case["name"]
        if verdict == SdlsVerdict.ACCEPTED:
            assert plain.hex() == case["frame_before_apply_hex"], case["name"]
            head = 6 if config["segment_header"] else 5
            assert plain[head:-2].hex() == case["recovered_frame_data_hex"]
        else:
            assert plain is None


def test_window_vector():
    """Last accepted 0x0123, window 5: 0x0123 and 0x0444 rejected, 0x0124 accepted, then 0x0129."""
    config = CONFIGS["B_noseg_arsn2_w5_mac16"]
    receiver = _receiver(config, 0x0123)
    frame = TcFrame(scid=config["scid"], vcid=config["vcid"], sequence=0, data=b"\x19\xab").pack()

    def attempt(arsn: int) -> SdlsVerdict:
        return receiver.process(SdlsSender(_association(config, arsn), False).apply(frame))[0]

    assert attempt(0x0123) == SdlsVerdict.ARSN_OUTSIDE_WINDOW
    assert attempt(0x0444) == SdlsVerdict.ARSN_OUTSIDE_WINDOW
    assert attempt(0x0124) == SdlsVerdict.ACCEPTED
    assert attempt(0x0129) == SdlsVerdict.ACCEPTED
    assert receiver.associations[config["spi"]].arsn == 0x0129


def test_senders_start_at_one_and_a_replayed_zero_is_rejected():
    config = CONFIGS["B_noseg_arsn2_w5_mac16"]
    receiver = _receiver(config, 0)
    frame = TcFrame(scid=config["scid"], vcid=config["vcid"], sequence=0, data=b"\x01").pack()
    sender_sa = _association(config, 1)
    assert receiver.process(SdlsSender(sender_sa, False).apply(frame))[0] == SdlsVerdict.ACCEPTED
    assert receiver.process(SdlsSender(_association(config, 0), False).apply(frame))[0] == (
        SdlsVerdict.ARSN_OUTSIDE_WINDOW
    )


def _refcs(frame: bytearray) -> bytes:
    frame[-2:] = crc16(bytes(frame[:-2])).to_bytes(2, "big")
    return bytes(frame)


def test_forgery_campaign_rejects_every_bad_frame_and_accepts_every_good_one():
    """12,000 attempts, seed 20261125: each bad frame is rejected for its own reason, no good one is lost."""
    rng = random.Random(20261125)
    config = CONFIGS["A_seg_arsn4_w5_mac16"]
    receiver = _receiver(config, 0)
    sender = SdlsSender(_association(config, 1), True)
    sa = receiver.associations[config["spi"]]
    expected: Counter = Counter()
    seen: Counter = Counter()
    last_good: bytes | None = None
    for sequence in range(12_000):
        data = rng.randbytes(rng.randint(1, 64))
        plain = TcFrame(config["scid"], config["vcid"], sequence % 256, data, segment_header=0xC0).pack()
        kind = rng.choice(["good", "good", "mac", "spi_unknown", "spi_inactive", "replay", "far", "crc"])
        if kind == "replay" and last_good is None:
            kind = "good"
        if kind == "good":
            wire = sender.apply(plain)
            last_good, want = wire, SdlsVerdict.ACCEPTED
        elif kind == "replay":
            wire, want = last_good, SdlsVerdict.ARSN_OUTSIDE_WINDOW
        elif kind == "far":
            ahead = rng.choice([0, rng.randint(6, 2**32 - 1)])
            forged = SdlsSender(_association(config, (sa.arsn + ahead) % 2**32), True)
            wire, want = forged.apply(plain), SdlsVerdict.ARSN_OUTSIDE_WINDOW
        else:
            frame = bytearray(SdlsSender(_association(config, (sa.arsn + 1) % 2**32), True).apply(plain))
            if kind == "mac":
                position = rng.choice([i for i in range(len(frame) - 2) if i not in LENGTH_AND_SPI_OCTETS])
                frame[position] ^= 1 << rng.randrange(8)
                wire, want = _refcs(frame), SdlsVerdict.BAD_MAC
            elif kind == "crc":
                position = rng.choice([i for i in range(len(frame)) if i not in LENGTH_AND_SPI_OCTETS])
                frame[position] ^= 1 << rng.randrange(8)
                wire, want = bytes(frame), SdlsVerdict.BAD_CRC
            else:
                frame[6:8] = (INACTIVE_SPI if kind == "spi_inactive" else rng.randint(0x31, 0xFFFF)).to_bytes(
                    2, "big"
                )
                want = SdlsVerdict.SA_NOT_OPERATIONAL if kind == "spi_inactive" else SdlsVerdict.SPI_UNKNOWN
                wire = _refcs(frame)
        verdict, recovered = receiver.process(wire)
        assert verdict == want, (sequence, kind)
        assert (recovered == plain) if want == SdlsVerdict.ACCEPTED else recovered is None
        expected[want] += 1
        seen[verdict] += 1
    assert seen == expected
    assert sum(seen.values()) == 12_000
    assert all(seen[v] > 1_000 for v in SdlsVerdict if v != SdlsVerdict.MALFORMED)
    print({v.name: n for v, n in sorted(seen.items())})


@given(st.binary(max_size=120), st.booleans())
def test_arbitrary_bytes_never_raise_and_never_pass(raw, segment_header):
    config = CONFIGS["A_seg_arsn4_w5_mac16"]
    receiver = _receiver(config, 0)
    verdict, plain = receiver.process(raw)
    assert verdict != SdlsVerdict.ACCEPTED and plain is None
    assert receiver.associations[config["spi"]].arsn == 0


def test_short_or_misdeclared_frames_are_malformed_and_inactive_senders_refuse():
    config = CONFIGS["B_noseg_arsn2_w5_mac16"]
    receiver = _receiver(config, 0)
    protected = SdlsSender(_association(config, 1), False).apply(TcFrame(709, 6, 0, b"\x01").pack())
    assert receiver.process(protected[:6])[0] == SdlsVerdict.MALFORMED
    assert receiver.process(protected + b"\x00")[0] == SdlsVerdict.MALFORMED
    inactive = SecurityAssociation(spi=3, key=bytes(32), state=SaState.KEYED)
    with pytest.raises(ValueError, match="not operational"):
        SdlsSender(inactive, False).apply(TcFrame(709, 6, 0, b"\x01").pack())


def test_association_states_follow_the_sa_management_procedures():
    """Start, stop, expire and rekey move an association as CCSDS 355.1 says; only operational works."""
    sa = SecurityAssociation(spi=9, key=bytes(32), state=SaState.UNKEYED)
    with pytest.raises(ValueError, match="cannot start when unkeyed"):
        sa.start()
    sa.rekey(bytes(range(32)))
    sender = SdlsSender(sa, segment_header=True)
    with pytest.raises(ValueError, match="not operational"):
        sender.apply(TcFrame(1, 0, 0, b"\x01", segment_header=0xC0).pack())
    sa.start()
    sa.arsn = 1
    assert (
        SdlsReceiver({9: SecurityAssociation(9, bytes(range(32)))}, True).process(
            sender.apply(TcFrame(1, 0, 0, b"\x01", segment_header=0xC0).pack())
        )[0]
        == SdlsVerdict.ACCEPTED
    )
    with pytest.raises(ValueError, match="cannot rekey when operational"):
        sa.rekey(bytes(32))
    sa.stop()
    sa.expire()
    assert sa.state == SaState.UNKEYED and sa.key == b""
