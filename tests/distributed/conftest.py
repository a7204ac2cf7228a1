"""Dask tests talk to a LocalCluster on 127.0.0.1: loopback connections only, nothing else."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "orchestration" / "backtest"))


def _loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Overrides the suite's guard: loopback (the local cluster) is allowed, any other address fails."""
    connect, create = socket.socket.connect, socket.create_connection

    def guarded_connect(self, address):
        if self.family == socket.AF_UNIX or _loopback(address):
            return connect(self, address)
        raise AssertionError(f"a test tried to reach {address}")

    def guarded_create(address, *args, **kwargs):
        if _loopback(address):
            return create(address, *args, **kwargs)
        raise AssertionError(f"a test tried to reach {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1", scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as local:
        yield local
