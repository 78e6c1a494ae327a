"""Static PNG (print resolution) and SVG exports of the report's figures through kaleido 1.x and Chromium.

All of a year's charts are drawn in one batch by one browser (one `kaleido.Kaleido`, with two tabs rendering
side by side when the machine has a core to spare), so Chromium starts once for the whole year. Nothing here can wait for ever:

- the browser must be found (kaleido looks at $BROWSER_PATH, PATH and /usr/bin/chromium) and open within
  `START_TIMEOUT_S`; each image must render within `IMAGE_TIMEOUT_S`; the whole batch within a bound that
  grows with its size; and the thread the batch runs in is joined with a timeout too;
- a browser that cannot be found, started or kept running ends the image step with `ImagesUnavailable`,
  whose message names the browser and says what to do. The caller (build.py) writes everything else and
  says which files were skipped and why.

We do not use kaleido's global sync server: its worker thread dies when the browser cannot start and the
caller then waits on its queue for ever (issue 11).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.lib.report.figures import SCALE, ReportFigure

START_TIMEOUT_S = 30.0      # finding and opening the browser
IMAGE_TIMEOUT_S = 30.0      # one image (kaleido's own timeout per render)
PER_IMAGE_BUDGET_S = 5.0    # the whole batch: START_TIMEOUT_S + IMAGE_TIMEOUT_S + this per image
CLOSE_TIMEOUT_S = 10.0
FORMATS = ("png", "svg")


class ImagesUnavailable(RuntimeError):
    """The figures' images cannot be drawn (no browser, a browser that will not start, kaleido failing)."""


class _NotStarted(RuntimeError):
    """The browser was found but did not open (whatever choreographer raised while opening it)."""


@dataclass
class ImageSet:
    """What the image step produced: name -> {'png': bytes, 'svg': bytes, 'width_px', 'height_px'}."""

    images: dict[str, dict] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)   # figure names with no image
    reason: str | None = None                          # why they were skipped
    seconds: float = 0.0
    tabs: int = 0


def png_size(path_or_bytes: Path | bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    head = path_or_bytes[:24] if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path_or_bytes if not isinstance(path_or_bytes, bytes) else 'data'} is not a PNG")
    return struct.unpack(">II", head[16:24])


def _browser_name() -> str:
    """The browser kaleido will try, for messages: $BROWSER_PATH or what choreographer finds."""
    if os.environ.get("BROWSER_PATH"):
        return f"BROWSER_PATH={os.environ['BROWSER_PATH']}"
    try:
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False) or "no Chromium on PATH or at /usr/bin/chromium"
    except Exception:  # noqa: BLE001 - only for the message
        return "Chromium"


def _explain(err: BaseException) -> str:
    from choreographer.browsers import BrowserClosedError, BrowserFailedError
    from choreographer.errors import ChromeNotFoundError

    browser = _browser_name()
    fix = ("Install Debian's chromium (apt-get install chromium) or point BROWSER_PATH at a working Chromium, "
           "then build the report again.")
    if isinstance(err, ChromeNotFoundError):
        return f"no Chromium browser found ({browser}). {fix}"
    if isinstance(err, (BrowserFailedError, _NotStarted)):
        return f"the browser ({browser}) closed as soon as it started. {fix}"
    if isinstance(err, BrowserClosedError):
        return f"the browser ({browser}) closed while drawing the figures. {fix}"
    if isinstance(err, (TimeoutError, asyncio.TimeoutError)):
        return f"the browser ({browser}) did not answer in time ({err or 'timed out'}). {fix}"
    return f"kaleido failed with the browser ({browser}): {type(err).__name__}: {err}. {fix}"


def _jobs(figures: list[ReportFigure], scale: float) -> list[tuple[str, str, dict, dict]]:
    jobs = []
    for f in figures:
        spec = f.fig.to_plotly_json()     # serialised once, drawn in both formats
        size = {"width": f.width, "height": f.height}
        jobs.append((f.name, "png", spec, {**size, "format": "png", "scale": scale}))
        jobs.append((f.name, "svg", spec, {**size, "format": "svg"}))
    return jobs


async def _render(jobs: list[tuple[str, str, dict, dict]], tabs: int) -> list[bytes]:
    import kaleido

    # mathjax=False: kaleido would otherwise load MathJax from a CDN (a network request; no figure uses TeX).
    k = kaleido.Kaleido(n=tabs, timeout=IMAGE_TIMEOUT_S, mathjax=False)
    ok = False
    try:
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(k.open(), START_TIMEOUT_S)
        except BaseException as err:
            # choreographer turns our timeout's cancellation into "closed immediately": say what happened.
            if time.perf_counter() - t0 >= START_TIMEOUT_S * 0.9:
                raise TimeoutError(f"it did not open within {START_TIMEOUT_S:.0f} s") from err
            raise _NotStarted(f"{type(err).__name__}: {err}") from err
        tasks = [asyncio.ensure_future(k.calc_fig(spec, opts=opts)) for _, _, spec, opts in jobs]
        try:
            # The first failure ends the batch: a browser that has gone fails every render after it.
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                if t.exception() is not None:
                    raise t.exception()
            ok = True
            return [t.result() for t in tasks]
        finally:
            for t in tasks:
                t.cancel()
    finally:
        await _close(k, graceful=ok)


async def _close(k, graceful: bool) -> None:
    """Close the browser; after a failure kill it first (choreographer's close waits up to ~10 s on a
    browser that does not answer, and swallows the cancellation that would cut that short)."""
    proc = getattr(k, "subprocess", None)
    if not graceful:
        _kill_group(proc)
    # Closing is best effort: whatever it raises, the process group is killed below.
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(k.close(), CLOSE_TIMEOUT_S)
    if proc is not None and proc.poll() is None:
        _kill_group(proc)


def _kill_group(proc) -> None:
    """Kill the browser and everything it started. choreographer starts it (through a small Python wrapper)
    as the leader of a new session, so its process group holds the wrapper, Chromium and Chromium's children."""
    if proc is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    # A process we cannot reap is not worth failing the report for.
    with contextlib.suppress(Exception):
        proc.wait(timeout=5)


def _run_with_timeout(jobs: list[tuple[str, str, dict, dict]], tabs: int, timeout: float) -> list[bytes]:
    """Run the batch on its own event loop in a worker thread; never wait on it longer than `timeout` (+ grace)."""
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["result"] = asyncio.run(asyncio.wait_for(_render(jobs, tabs), timeout))
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = err

    thread = threading.Thread(target=work, name="report-images", daemon=True)
    thread.start()
    thread.join(timeout + CLOSE_TIMEOUT_S + 5)
    if thread.is_alive():
        raise TimeoutError(f"the image batch did not finish within {timeout + CLOSE_TIMEOUT_S + 5:.0f} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def default_tabs() -> int:
    """Two tabs render side by side where a core is free; on a machine already busy (load at or above half its
    cores) one tab is faster: measured on a shared 2-core machine at load 11, 14 charts took 29 s with one tab
    and 35 s with two."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return 2 if cores >= 2 and load < cores / 2 else 1


def batch_timeout(n_figures: int) -> float:
    """The longest a batch of `n_figures` (each drawn as PNG and SVG) may take, browser start included."""
    return START_TIMEOUT_S + IMAGE_TIMEOUT_S + PER_IMAGE_BUDGET_S * len(FORMATS) * n_figures


def render(figures: list[ReportFigure], scale: float = SCALE, tabs: int | None = None) -> ImageSet:
    """PNG and SVG bytes of every figure, in one browser; never raises for a missing or failing browser.

    On failure the ImageSet has no images, every figure in `skipped` and the `reason` (naming the browser).
    """
    started = time.perf_counter()
    tabs = tabs or default_tabs()
    out = ImageSet(tabs=tabs)
    if not figures:
        return out
    jobs = _jobs(figures, scale)
    timeout = batch_timeout(len(figures))
    try:
        results = _run_with_timeout(jobs, tabs, timeout)
    except Exception as err:  # noqa: BLE001 - every failure becomes a reason the author can act on
        out.skipped = [f.name for f in figures]
        out.reason = _explain(err)
        out.seconds = round(time.perf_counter() - started, 2)
        return out
    for (name, fmt, _, _), data in zip(jobs, results):
        entry = out.images.setdefault(name, {})
        entry[fmt] = data if isinstance(data, bytes) else str(data).encode("utf-8")
    for entry in out.images.values():
        entry["width_px"], entry["height_px"] = png_size(entry["png"])
    out.seconds = round(time.perf_counter() - started, 2)
    return out
