"""The truth streamed as a run goes: truth.oem/truth.aem written block by block are the files written at
once from all the rows (read back by a KVN reader of their own, STOP_TIME the last row's), a file cut at a
checkpoint's bytes and appended to is the unbroken one, a capture's rows are read back from the rows file,
the decimated copy is every stride-th row, and a damaged checkpoint of them is refused in one line."""

import msgpack
import numpy as np
import pytest

from tests.zorka.test_ephemeris_files import read_kvn
from zorka.outputs.absolute_pointing import NadirPointing
from zorka.outputs.oem_aem import TruthFiles
from zorka.run import truth_log
from zorka.run.checkpoint import CHECKPOINT_NAME, Checkpointer, resume_mission
from zorka.run.mission import Mission
from zorka.run.recorder import TRUTH_COLUMNS
from zorka.run.truth_log import TruthLog
from zorka.scenario.model import Scenario

JD = 2460846.5 + 0.123456789
ROW_DT_S = 1.0
CREATED = "2026-12-07T21:00:00"


def rows(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(count, TRUTH_COLUMNS))
    out[:, 0] = np.arange(count) * ROW_DT_S
    out[:, 1:4] *= 7e6
    out[:, 4:7] *= 7.5e3
    out[:, 7:11] /= np.linalg.norm(out[:, 7:11], axis=1, keepdims=True)
    return out


def write_in_blocks(folder, truth: np.ndarray, cuts: list[int], keep: dict | None = None) -> TruthFiles:
    files = TruthFiles(folder, JD, CREATED, keep)
    for block in np.split(truth, cuts):
        files.append(block)
    return files


def test_blocks_give_the_files_of_all_rows_at_once(tmp_path):
    truth = rows(500)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_in_blocks(tmp_path / "a", truth, [1, 17, 300]).close()
    write_in_blocks(tmp_path / "b", truth, []).close()
    for name in ("truth.oem", "truth.aem"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    keys, oem_rows = read_kvn(tmp_path / "a" / "truth.oem")
    assert keys["START_TIME"] == oem_rows[0][0].isoformat(timespec="milliseconds")
    assert keys["STOP_TIME"] == oem_rows[-1][0].isoformat(timespec="milliseconds")
    assert len(oem_rows) == 500
    np.testing.assert_allclose([r for _, r in oem_rows], truth[:, 1:7] / 1e3, atol=1e-6)
    keys, aem_rows = read_kvn(tmp_path / "a" / "truth.aem")
    assert keys["STOP_TIME"] == aem_rows[-1][0].isoformat(timespec="milliseconds")
    np.testing.assert_allclose([r for _, r in aem_rows], truth[:, 7:11], atol=1e-12)
    assert (tmp_path / "a" / "truth.aem").read_text().endswith("DATA_STOP\n")


def test_files_cut_at_a_checkpoint_and_appended_to_are_the_unbroken_ones(tmp_path):
    truth = rows(300, seed=1)
    (tmp_path / "whole").mkdir()
    (tmp_path / "resumed").mkdir()
    write_in_blocks(tmp_path / "whole", truth, [100]).close()
    first = write_in_blocks(tmp_path / "resumed", truth[:120], [50])
    saved = first.state()
    first.append(truth[120:150])  # written after the checkpoint, then the process died
    first._files["oem"].flush()
    first._files["aem"].flush()
    write_in_blocks(tmp_path / "resumed", truth[120:], [7], keep=saved).close()
    for name in ("truth.oem", "truth.aem"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "resumed" / name).read_bytes()


def test_a_capture_reads_its_rows_back_and_the_decimated_copy_is_every_stride_th_row(monkeypatch):
    monkeypatch.setattr(truth_log, "DECIMATED_ROWS", 50)
    truth = rows(1000, seed=2)
    log = TruthLog(ROW_DT_S, NadirPointing(0.0), None)
    for block in np.split(truth, [3, 333, 334, 700]):
        log.append(block, np.ones(len(block), dtype=bool))
    assert np.array_equal(log.between(101.5, 110.0), truth[102:111])
    assert np.array_equal(log.between(-5.0, 0.0), truth[:1])
    assert len(log.between(2000.0, 3000.0)) == 0
    assert log.stride == 32  # 1000 rows in at most 50
    assert np.array_equal(log.decimated(), truth[:: log.stride])
    assert np.array_equal(np.concatenate(list(log.blocks())), truth)
    assert log.nadir.spread(False)["rows"] == 1000


@pytest.mark.parametrize("stats_from_s", [0.0, 500.0])
def test_the_nadir_spread_counts_the_rows_on_the_nadir_law_from_the_start(stats_from_s):
    truth = rows(1000, seed=3)
    on_nadir = np.random.default_rng(3).random(1000) < 0.7
    nadir = NadirPointing(stats_from_s)
    nadir.add(truth[:400], on_nadir[:400])
    nadir.add(truth[400:], on_nadir[400:])
    boresight = np.stack(  # +Z_B of q_ib (x, y, z, w): the third column of its rotation matrix
        [
            2 * (truth[:, 7] * truth[:, 9] + truth[:, 8] * truth[:, 10]),
            2 * (truth[:, 8] * truth[:, 9] - truth[:, 7] * truth[:, 10]),
            1 - 2 * (truth[:, 7] ** 2 + truth[:, 8] ** 2),
        ],
        axis=1,
    )
    nadir_dir = -truth[:, 1:4] / np.linalg.norm(truth[:, 1:4], axis=1, keepdims=True)
    angle = np.degrees(np.arccos(np.clip(np.sum(boresight * nadir_dir, axis=1), -1.0, 1.0)))
    chosen = angle[on_nadir & (truth[:, 0] >= stats_from_s)]
    spread = nadir.spread(stats_from_s > 0.0)
    assert spread["rows"] == len(chosen)
    assert spread["max"] == pytest.approx(chosen.max(), rel=1e-9)
    assert spread["p50"] == pytest.approx(np.percentile(chosen, 50, method="inverted_cdf"), rel=6e-4)


def test_a_checkpoint_whose_recorder_state_does_not_read_back_is_a_one_line_error(tmp_path):
    """A checkpoint of the right format whose statistics or truth rows are damaged: resuming refuses it in
    one line naming the file and the fix, never a traceback."""
    scenario = Scenario(seed=5)
    mission = Mission(scenario, 120.0, out_dir=tmp_path)
    checkpointer = Checkpointer(mission, tmp_path)
    mission.run_frames(600)
    checkpointer.write()
    checkpointer.close()
    mission.close()
    document = msgpack.unpackb((tmp_path / CHECKPOINT_NAME).read_bytes())
    document["errors"]["whole"]["err"]["histogram"]["bins"] = b"\x01\x02\x03"  # not int64s
    (tmp_path / CHECKPOINT_NAME).write_bytes(msgpack.packb(document))
    with pytest.raises(ValueError, match=r"recorder state does not read back.*without --resume") as raised:
        resume_mission(scenario, tmp_path, None)
    assert "\n" not in str(raised.value)
