"""A Dask scheduler address (``--scheduler``): what is wrong with it, and whether a scheduler answers.

Dask's own ``Client(address)`` turns a malformed address into a ``ValueError``, retries a refused
port or an unknown host until its connect timeout (20 s) and then loses the reason, and waits
forever on a port that accepts a connection but never speaks (a silent service, the dashboard's
HTTP port is worse: its reply is read as a frame length). :func:`address_problem` names what is
wrong with the text; :func:`unreachable` finds out, within a few seconds, whether a Dask scheduler
answers there, and why not. Both return a reason (a string) or None; :mod:`scenarios.parallel`
turns a reason into its error.
"""

from __future__ import annotations

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from scenarios.errors import foreign_reason

#: protocols a client on this machine can reach a scheduler by (all of them run over TCP)
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ws", "wss")

#: the usual mix-up: the dashboard's port instead of the scheduler's
PORT_HINT = "the scheduler's port is 8786 by default; 8787 is its dashboard"


def address_problem(address: str) -> str | None:
    """Return what is wrong with a scheduler address, as Dask parses it (None when nothing is).

    A protocol other than :data:`SCHEDULER_PROTOCOLS`, a missing or malformed host or port, a port
    outside 1..65535.
    """
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
    except (ValueError, TypeError) as exc:
        return str(exc)
    if scheme not in SCHEDULER_PROTOCOLS:
        return f"unsupported protocol {scheme}:// (use {', '.join(p + '://' for p in SCHEDULER_PROTOCOLS)})"
    try:
        host, port = parse_host_port(location)
        port = int(port)
    except (ValueError, TypeError) as exc:
        return str(exc)
    if not host:
        return "no host in the address"
    if not 0 < port < 65536:
        return f"the port must be 1 to 65535, not {port}"
    return None


def _tcp_problem(host: str, port: int, connect_timeout: float, wait_refused: float) -> str | None:
    """Why no TCP connection to ``host:port`` can be made (None: one was made)."""
    deadline = time.monotonic() + wait_refused
    while True:
        try:
            with socket.create_connection((host, port), timeout=connect_timeout):
                return None
        except ConnectionRefusedError:
            if time.monotonic() >= deadline:  # a scheduler still starting gets wait_refused seconds
                return f"nothing listens on {host} port {port}: connection refused (retried for {wait_refused:g} s)"
            time.sleep(0.25)
        except (socket.gaierror, UnicodeError) as exc:  # UnicodeError: the IDNA codec refused the name
            why = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else "not a valid host name"
            return f"unknown host {host!r}: {why}"
        except TimeoutError:
            return f"{host} port {port} did not accept a connection within {connect_timeout:g} s"
        except OSError as exc:  # e.g. the network is unreachable: no point in waiting
            return f"{host} port {port}: {exc.strerror or exc}"
        except (OverflowError, ValueError) as exc:
            return str(exc)


def _handshake_problem(address: str, timeout: float) -> str | None:
    """Why no Dask handshake with ``address`` completes within ``timeout`` seconds (None: it did).

    Runs its own event loop on a helper thread, so that a caller inside a running loop (a
    notebook) is not disturbed.
    """
    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    def run() -> str | None:
        try:
            asyncio.run(asyncio.wait_for(probe(), timeout + 1.0))
        except TimeoutError:
            return (f"the service there accepted the connection but did not answer as a Dask scheduler "
                    f"within {timeout:g} s ({PORT_HINT})")
        except Exception as exc:  # noqa: BLE001 - whatever a non-Dask service makes Dask raise
            reason = foreign_reason(exc, 200)
            if address.startswith(("tls://", "wss://")) and isinstance(exc, TypeError):
                return f"TLS is not set up for Dask on this machine ({reason.split(': ', 1)[1]})"
            return f"the service there does not speak Dask's protocol ({reason}; {PORT_HINT})"
        return None

    with ThreadPoolExecutor(1, thread_name_prefix="scenarios-scheduler-probe") as pool:
        return pool.submit(run).result()


def unreachable(address: str, *, connect_timeout: float = 5.0, wait_refused: float = 5.0,
                handshake_timeout: float = 10.0) -> str | None:
    """Return why no Dask scheduler answers at ``address``, or None when one does.

    First one TCP connection (``connect_timeout`` seconds; a refused one is retried for
    ``wait_refused`` seconds, for a scheduler that is still starting; an unknown host or an
    unreachable network fails at once), then Dask's own handshake, bounded by
    ``handshake_timeout`` seconds. ``address`` must pass :func:`address_problem`.
    """
    from distributed.comm import parse_address, parse_host_port

    _, location = parse_address(address)
    host, port = parse_host_port(location)
    return (_tcp_problem(host, int(port), connect_timeout, wait_refused)
            or _handshake_problem(address, handshake_timeout))
