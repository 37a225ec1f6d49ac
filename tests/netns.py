"""A second "host" on this machine: a Linux network namespace joined to this one by a veth pair.

Why: Celery scales past one machine by pointing workers on other hosts at the same Redis, database
and blob store. A network namespace is such a host, made in a second, with a link that can be cut (a
partition) and restored, so that the claim is tested with real sockets instead of assumed. Needs root
(or CAP_NET_ADMIN) and the ``ip`` command; :func:`unavailable_reason` says why not when it cannot run.
Only addresses inside the namespace pair this module creates are used (``10.213.x.1``/``.2``).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NetnsError", "Namespace", "unavailable_reason"]


class NetnsError(RuntimeError):
    """A namespace or link could not be made or changed; the message has the ``ip`` command's error."""


def _ip(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=20)
    if check and result.returncode != 0:
        raise NetnsError(f"`ip {' '.join(argv)}` failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def unavailable_reason() -> str | None:
    """Why a namespace cannot be made here (not root, no ``ip``), or None when it can be tried."""
    if not shutil.which("ip"):
        return "the `ip` command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root (or CAP_NET_ADMIN); run the test as root, as CI does"
    return None


@dataclass
class Namespace:
    """A network namespace ``name`` with one veth link: ``host_addr`` on this side, ``ns_addr`` inside."""

    name: str
    host_if: str
    ns_if: str
    host_addr: str
    ns_addr: str
    prefix: int = 30

    @classmethod
    def make(cls, tag: str | None = None) -> Namespace:
        """A namespace with fresh names and a fresh 10.213.x.0/30 subnet, created and linked."""
        tag = tag or f"{random.randrange(16**6):06x}"
        subnet = random.randrange(1, 255)
        ns = cls(f"cocr-{tag}", f"vcoh{tag}", f"vcon{tag}", f"10.213.{subnet}.1", f"10.213.{subnet}.2")
        ns.create()
        return ns

    def create(self) -> None:
        try:
            _ip("netns", "add", self.name)
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            _ip("link", "set", self.ns_if, "netns", self.name)
            _ip("addr", "add", f"{self.host_addr}/{self.prefix}", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            self.run("ip", "addr", "add", f"{self.ns_addr}/{self.prefix}", "dev", self.ns_if)
            self.run("ip", "link", "set", self.ns_if, "up")
            self.run("ip", "link", "set", "lo", "up")
        except Exception:
            self.delete()
            raise

    def argv(self, command: Sequence[str]) -> list[str]:
        """``command`` run inside the namespace (``ip netns exec`` execs it: the pid stays the same)."""
        return ["ip", "netns", "exec", self.name, *command]

    def run(self, *command: str) -> subprocess.CompletedProcess:
        result = subprocess.run(self.argv(command), capture_output=True, text=True, timeout=20)
        if result.returncode != 0:
            raise NetnsError(f"`{' '.join(command)}` in {self.name} failed: {result.stderr.strip()}")
        return result

    def cut(self) -> None:
        """A partition: the link goes down; packets to and from the namespace are lost, not refused."""
        _ip("link", "set", self.host_if, "down")

    def restore(self) -> None:
        _ip("link", "set", self.host_if, "up")

    def delete(self) -> None:
        """Remove the link and the namespace (safe to call twice, and after a half-made create)."""
        _ip("link", "del", self.host_if, check=False)  # deleting one end removes the pair
        _ip("netns", "del", self.name, check=False)

    def __enter__(self) -> Namespace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.delete()
