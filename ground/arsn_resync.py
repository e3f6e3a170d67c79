"""Re-synchronising the spacecraft's anti-replay counter from the ground, with the master key.

One Type-BD TC frame (it bypasses FARM-1, so it works whatever state the sequence is in), protected with
the master key's association and its own ARSN from the key file, carrying three SA-management PDUs
(ccsds/sdls_management.py): Stop SA, Set ARSN to the last ARSN the key file handed out, Start SA. The
spacecraft then accepts the ground's next ARSN again: after its anti-replay state was lost, or after more
than the onboard window of reserved ARSNs were never delivered.
"""

from ccsds.sdls import SdlsSender, SecurityAssociation
from ccsds.sdls_management import SaPdu, SaProcedure, encode_pdu
from ccsds.tc_frame import SEGMENT_UNSEGMENTED, TcFrame
from ground.key_store import KeyStore


def resync_pdus(spi: int, arsn: int) -> bytes:
    """The PDUs that set association `spi`'s last accepted ARSN to `arsn` and start it again."""
    return b"".join(
        encode_pdu(pdu)
        for pdu in (
            SaPdu(SaProcedure.STOP_SA, spi),
            SaPdu(SaProcedure.SET_ARSN, spi, arsn),
            SaPdu(SaProcedure.START_SA, spi),
        )
    )


def resync_frame(keys: KeyStore, scid: int, vcid: int, segment_header: bool) -> tuple[bytes, int]:
    """The protected frame that re-synchronises the traffic association of `keys`, and the ARSN it sets.
    Takes one master ARSN from the key file."""
    arsn = keys.last_arsn()
    frame = TcFrame(
        scid,
        vcid,
        0,
        resync_pdus(keys.spi, arsn),
        bypass=True,
        segment_header=SEGMENT_UNSEGMENTED << 6 if segment_header else None,
    )
    master = SecurityAssociation(keys.master_spi, keys.master_key, arsn=keys.reserve_master_arsn())
    return SdlsSender(master, segment_header).apply(frame.pack()), arsn
