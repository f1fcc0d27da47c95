"""A throwaway Patroni cluster on 127.0.0.1 for the failover test: one etcd (the DCS) and two
Patroni nodes in synchronous mode (a primary and its synchronous standby), each behind its own
PgBouncer, on free ports under a temporary directory, all of it killed and removed when the
`with` block ends, however it ends.

The configuration is the one deploy/patroni/ documents, shrunk to one machine: short TTLs so a
failover happens in seconds, and no fsync (killing a process leaves the operating system's
page cache whole, so nothing a test checks depends on it).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

SCOPE = "jiceng-failover"
RECONNECT_SCRIPT = (
    Path(__file__).resolve().parents[2] / "deploy" / "patroni" / "pgbouncer-reconnect.sh"
)
T = TypeVar("T")


class ClusterError(RuntimeError):
    pass


def binaries_missing() -> list[str]:
    """The programs the cluster needs that this machine lacks (scripts/system-deps.sh installs
    them from Debian's packages: patroni, etcd-server, postgresql-15)."""
    missing = [name for name in ("patroni", "etcd") if shutil.which(name) is None]
    if shutil.which("pgbouncer") is None and not Path("/usr/sbin/pgbouncer").exists():
        missing.append("pgbouncer")
    if pg_bindir() is None:
        missing.append("postgresql-15")
    return missing


def pg_bindir() -> Path | None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "pg-bindir.sh"
    result = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on now (held open together so that they differ)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_for(what: str, probe: Callable[[], T | None], *, timeout: float) -> T:
    """Polls `probe` every 0.2 s until it answers something, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer is not None:
            return answer
        if time.monotonic() > deadline:
            raise ClusterError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)


@dataclass
class Node:
    name: str
    port: int
    api_port: int
    bouncer_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    bouncer: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


@dataclass
class Cluster:
    root: Path
    etcd_port: int
    nodes: list[Node]
    owner: str | None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def dsn(self, database: str = "postgres", *, bouncers: bool = False, **options: str) -> str:
        """libpq's multi-host URL of both nodes, or of their PgBouncers (the primary is
        whichever answers read-write with target_session_attrs=read-write)."""
        hosts = ",".join(
            f"127.0.0.1:{node.bouncer_port if bouncers else node.port}" for node in self.nodes
        )
        query = "&".join(f"{key}={value}" for key, value in options.items())
        return f"postgresql://postgres@{hosts}/{database}" + (f"?{query}" if query else "")

    def node_dsn(self, node: Node, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{node.port}/{database}"

    def members(self) -> list[dict[str, Any]]:
        """Patroni's view of the cluster (GET /cluster on any node that answers)."""
        for node in self.nodes:
            url = f"http://127.0.0.1:{node.api_port}/cluster"
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    members: list[dict[str, Any]] = json.load(response)["members"]
                    return members
            except (OSError, urllib.error.URLError, ValueError, KeyError):
                continue
        return []

    def node_in_role(self, role: str) -> Node | None:
        for member in self.members():
            if member.get("role") == role and member.get("state") in {"running", "streaming"}:
                return next(node for node in self.nodes if node.name == member["name"])
        return None

    def wait_for_leader_and_sync_standby(self, *, timeout: float) -> tuple[Node, Node]:
        def both() -> tuple[Node, Node] | None:
            leader, standby = self.node_in_role("leader"), self.node_in_role("sync_standby")
            return (leader, standby) if leader and standby else None

        return wait_for("a leader and a synchronous standby", both, timeout=timeout)

    def kill_node(self, node: Node) -> None:
        """The machine of `node` dies: its Patroni and its PostgreSQL are killed at once (kill -9),
        so nothing of it lets go of the leader key or finishes a write."""
        for process in (node.process, node.bouncer):
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        pid = node.postmaster_pid()
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def logs(self) -> str:
        texts = []
        for path in sorted(self.root.glob("*.log")):
            texts.append(f"== {path.name}\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(texts)


def _node_config(cluster: Cluster, node: Node, bindir: Path) -> dict[str, Any]:
    return {
        "scope": SCOPE,
        "name": node.name,
        "restapi": {
            "listen": f"127.0.0.1:{node.api_port}",
            "connect_address": f"127.0.0.1:{node.api_port}",
        },
        "etcd3": {"hosts": [f"127.0.0.1:{cluster.etcd_port}"]},
        "bootstrap": {
            "dcs": {
                # Seconds: a dead leader's key expires after ttl, and the standby takes over.
                # Not shorter: on a busy test machine (make test -n auto) a leader that misses
                # a renewal by a few seconds would be deposed without anyone killing it.
                "ttl": 20,
                "loop_wait": 2,
                "retry_timeout": 5,
                "maximum_lag_on_failover": 1048576,
                "synchronous_mode": True,
                "postgresql": {
                    "use_pg_rewind": False,
                    "parameters": {
                        "wal_level": "replica",
                        "hot_standby": "on",
                        "max_wal_senders": 5,
                        "max_replication_slots": 5,
                        "wal_keep_size": "64MB",
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, {"auth": "trust"}],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{node.port}",
            "connect_address": f"127.0.0.1:{node.port}",
            "data_dir": str(node.data_dir),
            "bin_dir": str(bindir),
            "pgpass": str(node.directory / "pgpass"),
            "authentication": {
                "superuser": {"username": "postgres", "password": "postgres"},
                "replication": {"username": "replicator", "password": "replicator"},
            },
            "pg_hba": [
                "local all all trust",
                "host replication replicator 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 trust",
            ],
            # Promoted or demoted, the node has its PgBouncer reconnect (the deployment's script).
            "callbacks": {"on_role_change": str(node.directory / "pgbouncer-reconnect")},
            "parameters": {
                "unix_socket_directories": str(node.directory),
                "fsync": "off",
                "full_page_writes": "off",
                "shared_buffers": "32MB",
                "max_connections": 60,
            },
        },
    }


def _owner() -> tuple[str | None, int | None, int | None]:
    """PostgreSQL refuses to run as root: as root, the nodes run as Debian's postgres user."""
    if os.getuid() != 0:
        return None, None, None
    import pwd

    entry = pwd.getpwnam("postgres")
    return "postgres", entry.pw_uid, entry.pw_gid


@contextlib.contextmanager
def running_cluster(*, nodes: int = 2, timeout: float = 60) -> Iterator[Cluster]:
    """etcd and `nodes` Patroni nodes, up with a leader and a synchronous standby."""
    bindir = pg_bindir()
    if bindir is None:
        raise ClusterError("no PostgreSQL server programs (scripts/pg-bindir.sh)")
    owner, uid, gid = _owner()
    root = Path(tempfile.mkdtemp(prefix="jiceng-patroni-"))
    ports = free_ports(2 + 3 * nodes)
    cluster = Cluster(
        root=root,
        etcd_port=ports[0],
        owner=owner,
        nodes=[
            Node(
                name=f"node{i + 1}",
                port=ports[2 + 3 * i],
                api_port=ports[3 + 3 * i],
                bouncer_port=ports[4 + 3 * i],
                directory=root / f"node{i + 1}",
            )
            for i in range(nodes)
        ],
    )
    try:
        etcd_log = (root / "etcd.log").open("wb")
        etcd = subprocess.Popen(
            [
                shutil.which("etcd") or "etcd",
                "--name=jiceng-test",
                f"--data-dir={root / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{ports[0]}",
                f"--advertise-client-urls=http://127.0.0.1:{ports[0]}",
                f"--listen-peer-urls=http://127.0.0.1:{ports[1]}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{ports[1]}",
                f"--initial-cluster=jiceng-test=http://127.0.0.1:{ports[1]}",
            ],
            stdout=etcd_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        cluster.processes.append(etcd)
        wait_for("etcd", lambda: _answers(f"http://127.0.0.1:{ports[0]}/health"), timeout=timeout)
        for node in cluster.nodes:
            node.directory.mkdir(mode=0o700)
            config = node.directory / "patroni.json"  # YAML is a superset of JSON
            config.write_text(json.dumps(_node_config(cluster, node, bindir), indent=1))
            callback = node.directory / "pgbouncer-reconnect"
            callback.write_text(
                "#!/bin/sh\n"
                f"PGBOUNCER_HOST=127.0.0.1 PGBOUNCER_PORT={node.bouncer_port} "
                f"POSTGRES_HOST=127.0.0.1 POSTGRES_PORT={node.port} "
                f'PSQL={bindir / "psql"} exec /bin/sh {node.directory / "reconnect.sh"} "$@"\n'
            )
            callback.chmod(0o755)
            shutil.copy(RECONNECT_SCRIPT, node.directory / "reconnect.sh")
            if uid is not None and gid is not None:
                os.chown(root, uid, gid)
                for path in (node.directory, *node.directory.iterdir()):
                    os.chown(path, uid, gid)
            log = (root / f"{node.name}.log").open("wb")
            node.process = subprocess.Popen(
                [shutil.which("patroni") or "patroni", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=uid,
                group=gid,
                extra_groups=[] if uid is not None else None,
                env={**os.environ, "HOME": str(node.directory)},
            )
            cluster.processes.append(node.process)
            node.bouncer = _start_bouncer(cluster, node, uid, gid)
            cluster.processes.append(node.bouncer)
            if node is cluster.nodes[0]:
                # The first node bootstraps alone, so it is the leader: the others join it.
                wait_for("a leader", lambda: cluster.node_in_role("leader"), timeout=timeout)
        cluster.wait_for_leader_and_sync_standby(timeout=timeout)
        yield cluster
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    finally:
        for node in cluster.nodes:
            cluster.kill_node(node)
        for process in cluster.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _start_bouncer(
    cluster: Cluster, node: Node, uid: int | None, gid: int | None
) -> subprocess.Popen[bytes]:
    """PgBouncer in front of the node's PostgreSQL, as on each machine of the deployment
    (deploy/patroni/pgbouncer.ini): session pooling, so a connection's read-write check and
    everything Django does in a session reach one server connection."""
    config = node.directory / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={node.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {node.bouncer_port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {node.directory / 'userlist.txt'}\n"
        "pool_mode = session\n"
        "max_client_conn = 200\ndefault_pool_size = 20\n"
        "server_connect_timeout = 2\nserver_login_retry = 1\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        "admin_users = postgres\n"
    )
    (node.directory / "userlist.txt").write_text('"postgres" ""\n')
    log = (cluster.root / f"{node.name}-pgbouncer.log").open("wb")
    return subprocess.Popen(
        [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        user=uid,
        group=gid,
        extra_groups=[] if uid is not None else None,
    )


def _answers(url: str) -> bool | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return True if response.status == 200 else None
    except (OSError, urllib.error.URLError):
        return None
