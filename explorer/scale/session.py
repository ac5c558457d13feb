"""One SparkSession per process, started only when Java and the master can be reached.

Everything here runs on the driver. pyspark is imported inside the functions, so this
module imports without the ``[spark]`` extra; :func:`require_pyspark` raises
:class:`~explorer.errors.MissingExtraError` when it is missing.

Before a session is started, :func:`check_java` finds the ``java`` that Spark's launcher
would run (``$JAVA_HOME/bin/java``, else ``java`` on ``PATH``) and checks that it is Java
17 or later, and :func:`probe_master` opens a TCP connection to each ``spark://`` master,
so a wrong URL fails in seconds with a message that says what to do, instead of a
launcher traceback or a job that waits for executors forever.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ExplorerError, ParameterError

__all__ = [
    "MASTER_TIMEOUT", "SparkUnavailableError", "check_java", "get_session", "is_local",
    "probe_master", "quiet_warnings", "require_pyspark", "spark_conf",
]

#: Seconds a cluster master has to run a first tiny job before we give up.
MASTER_TIMEOUT = 60.0
#: Seconds to wait for a TCP connection to a ``spark://`` master.
CONNECT_TIMEOUT = 5.0
JAVA_HINT = (
    "The Spark engine needs Java 17 or later: install it (Debian/Ubuntu: apt-get install "
    "openjdk-17-jre-headless) and put it on PATH or set JAVA_HOME to its folder; or use "
    "the local engine (--engine local)."
)
LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
# A failed task is reported once, by the exception the driver raises (translated into the
# explorer's own error): not again by each of these with the worker's traceback.
logger.executor.name = org.apache.spark.executor.Executor
logger.executor.level = off
logger.tasks.name = org.apache.spark.scheduler.TaskSetManager
logger.tasks.level = off
logger.writer.name = org.apache.spark.sql.execution.datasources
logger.writer.level = off
"""

_SESSION: Any = None  # the session this module started, reused by later calls
_LOCK = threading.Lock()


class SparkUnavailableError(ExplorerError, RuntimeError):
    """Spark cannot run: no usable Java, or a master that cannot be reached."""


def require_pyspark() -> Any:
    """The ``pyspark`` module, or :class:`MissingExtraError` naming the extra."""
    try:
        import pyspark
    except ImportError:
        from ..errors import MissingExtraError

        raise MissingExtraError("pyspark", "spark", "The Spark engine") from None
    return pyspark


def quiet_warnings() -> None:
    """Hide pyspark's warnings that ask nothing of the user.

    Its FutureWarning about pandas 3 (the engine is tested with it) and pandas 3's about
    pyspark's ``copy=`` keyword, and its UserWarning that a ``functools.partial`` has no
    type hints to infer an eval type from.
    """
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    warnings.filterwarnings(
        "ignore", message="Cannot infer the eval type from type hints", category=UserWarning
    )
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module="pyspark")


def is_local(master: str) -> bool:
    """Whether ``master`` runs everything in this process (``local``, ``local[4]``, ...)."""
    return master == "local" or master.startswith("local[")


def java_executable(env: Mapping[str, str] | None = None) -> Path | None:
    """The ``java`` that Spark's launcher runs: ``$JAVA_HOME/bin/java``, else on ``PATH``."""
    env = os.environ if env is None else env
    home = env.get("JAVA_HOME")
    if home:
        return Path(home) / "bin" / "java"
    found = shutil.which("java", path=env.get("PATH", os.defpath))
    return Path(found) if found else None


def check_java(env: Mapping[str, str] | None = None) -> int:
    """Check that Spark can start a JVM; returns Java's major version.

    Raises
    ------
    SparkUnavailableError
        ``JAVA_HOME`` points to a folder without ``bin/java``, no ``java`` is on
        ``PATH``, or the Java found is older than 17.

    Examples
    --------
    >>> check_java({"JAVA_HOME": "/no/such/jdk"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    explorer.scale.session.SparkUnavailableError: JAVA_HOME is /no/such/jdk, but ... Java 17 ...
    """
    env = os.environ if env is None else env
    java = java_executable(env)
    if java is None:
        raise SparkUnavailableError(f"No 'java' on PATH and JAVA_HOME is not set. {JAVA_HINT}")
    if not (java.is_file() and os.access(java, os.X_OK)):
        raise SparkUnavailableError(
            f"JAVA_HOME is {env.get('JAVA_HOME')}, but {java} does not exist. {JAVA_HINT}"
        )
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True,
                              timeout=30, env=dict(env))
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SparkUnavailableError(f"Cannot run {java} -version ({err}). {JAVA_HINT}") from err
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if match is None:
        raise SparkUnavailableError(f"{java} -version printed no version. {JAVA_HINT}")
    major = int(match.group(1))
    if major == 1:  # "1.8.0_392" is Java 8
        major = int(match.group(2) or 0)
    if major < 17:
        raise SparkUnavailableError(f"{java} is Java {major}. {JAVA_HINT}")
    return major


def probe_master(master: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Open a TCP connection to a ``spark://`` master (every host of an HA list).

    Other masters (``local[...]``, ``yarn``, ``k8s://...``) are not probed.

    Raises
    ------
    SparkUnavailableError
        No host of the URL accepts a connection.

    Examples
    --------
    >>> probe_master("local[2]")  # nothing to probe
    """
    if not master.startswith("spark://"):
        return
    problems = []
    for address in master[len("spark://"):].split(","):
        host, _, port = address.strip().rpartition(":")
        if not host:
            host, port = port, "7077"
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                return
        except (OSError, ValueError) as err:
            problems.append(f"{address}: {err}")
    raise SparkUnavailableError(
        f"Cannot reach the Spark master {master} ({'; '.join(problems)}). Check the URL "
        "(spark://HOST:7077) and that the master is running, or run on this machine with "
        "--spark-master local[2] (master='local[2]')."
    )


def _alive(session: Any) -> bool:
    return session is not None and getattr(session.sparkContext, "_jsc", None) is not None


def _log4j_file() -> Path:
    folder = Path(tempfile.gettempdir()) / "claim-graph-explorer-spark"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "log4j2.properties"
    if not path.is_file() or path.read_text() != LOG4J:
        path.write_text(LOG4J)
    return path


def _driver_memory() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2g"
    return f"{max(1, min(8, total // 4 // 2**30))}g"  # a quarter of memory, 1 to 8 GiB


def get_session(master: str = "local[2]") -> Any:
    """The process's SparkSession on ``master``: the one started before, else a new one.

    A session this module started on another master is stopped and replaced (Spark
    allows one per process). A session started elsewhere (by ``spark-submit`` or the
    user) is reused when its master is ``master``.

    Raises
    ------
    MissingExtraError
        pyspark is not installed.
    SparkUnavailableError
        Java is missing or too old, or the master cannot be reached.
    ParameterError
        ``master`` is not a non-empty string, or another session runs on another master.
    """
    global _SESSION
    if not isinstance(master, str) or not master.strip():
        raise ParameterError(
            f"master must be a Spark master URL such as 'local[2]' or 'spark://HOST:7077'; "
            f"got {master!r}."
        )
    require_pyspark()
    quiet_warnings()
    from pyspark.sql import SparkSession

    with _LOCK:
        if _alive(_SESSION) and _SESSION.sparkContext.master == master:
            return _SESSION
        active = SparkSession.getActiveSession()
        if _alive(active) and active is not _SESSION:
            if active.sparkContext.master == master:
                return active
            raise ParameterError(
                f"A SparkSession on master {active.sparkContext.master!r} is already "
                f"running in this process; Spark allows one. Pass it as spark=..., or "
                f"stop it first to use {master!r}."
            )
        check_java()
        probe_master(master)  # before stopping the session we have: it may be right
        if _alive(_SESSION):
            _SESSION.stop()
        _SESSION = _start(master)
        return _SESSION


def _start(master: str) -> Any:
    from pyspark.sql import SparkSession

    local = is_local(master)
    builder = (
        SparkSession.builder.master(master)
        .appName("claim-graph-explorer candidates")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", _driver_memory())
        .config("spark.sql.shuffle.partitions", "8" if local else "200")
        .config("spark.driver.extraJavaOptions",
                f"-Dlog4j2.configurationFile={_log4j_file().as_uri()}")
    )
    if local:
        # Loopback only, no web UI, and the workers run this very interpreter.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (builder.config("spark.ui.enabled", "false")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    try:
        session = builder.getOrCreate()
    except Exception as err:  # the launcher's own errors: say what to do
        raise SparkUnavailableError(
            f"Spark could not start on {master!r}: {str(err).splitlines()[0]}. {JAVA_HINT}"
        ) from err
    session.sparkContext.setLogLevel("ERROR")
    if not local:
        _first_job(session, master)
    return session


def _first_job(session: Any, master: str, timeout: float = MASTER_TIMEOUT) -> None:
    """Run a one-task job; a master with no usable executors fails within ``timeout``."""
    context = session.sparkContext
    result: list[object] = []

    def run() -> None:
        try:
            context.setJobGroup("explorer-probe", "probe the cluster", True)
            result.append(context.parallelize([1], 1).count())
        except Exception as err:  # noqa: BLE001 - reported below
            result.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if not result or isinstance(result[0], Exception):
        with contextlib.suppress(Exception):
            context.cancelJobGroup("explorer-probe")
            session.stop()
        why = "no executor ran a first job" if not result else str(result[0]).splitlines()[0]
        raise SparkUnavailableError(
            f"The Spark master {master} accepted the connection, but {why} within "
            f"{timeout:.0f} s. Check that its workers are registered (its web UI, port 8080) "
            "and have the cores and memory asked for, or use --spark-master local[2]."
        )


@contextlib.contextmanager
def spark_conf(session: Any, settings: Mapping[str, str]) -> Iterator[None]:
    """Set runtime SQL settings for a block, then put the session's own values back."""
    conf = session.conf
    before = {key: conf.get(key, None) for key in settings}
    for key, value in settings.items():
        conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                conf.unset(key)
            else:
                conf.set(key, value)
