"""``python -m demo`` (what ``python3 dev.py demo`` runs): the simulated server in a browser."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from demo.run import DEFAULT_SPEED, Demo


async def main(args: argparse.Namespace) -> int:
    demo = Demo(speed=args.speed, host=args.host, port=args.port)
    await demo.start()
    print(f"\n  Mutuals demo: open {demo.view.url}\n", flush=True)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    setup = asyncio.create_task(demo.set_up())
    stopper = asyncio.create_task(stopping.wait())
    code = 0
    try:
        await asyncio.wait({setup, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if setup.done() and setup.exception() is not None:
            print(f"demo: {setup.exception()}", file=sys.stderr)
            code = 1
        elif not stopping.is_set():
            print("  The fam is live: a day passes every minute. Ctrl+C stops.", flush=True)
            await stopping.wait()
    finally:
        setup.cancel()
        stopper.cancel()
        with contextlib.suppress(BaseException):
            await setup
        await demo.stop()
    return code


def cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="the view's port (default 8765)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--speed",
        type=float,
        default=DEFAULT_SPEED,
        help=f"clock seconds per real second (default {DEFAULT_SPEED:g}: a day a minute)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(main(args))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(cli())
