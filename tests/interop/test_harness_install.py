"""Installing the peer: a machine without npm gets one clear error, not a stack of them."""

import shutil

import pytest

from tests.interop.harness import PEER_DIR, FedifyPeer, PeerUnavailable


def test_missing_npm_is_reported_clearly(tmp_path, monkeypatch):
    peer_dir = tmp_path / "peer"
    peer_dir.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PEER_DIR / name, peer_dir / name)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))

    with pytest.raises(PeerUnavailable, match="npm is not installed") as error:
        FedifyPeer(peer_dir=peer_dir).start()

    assert "-m 'not interop'" in str(error.value)
