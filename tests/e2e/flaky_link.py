"""A TCP link between the bot and the emulator that fails the ways a network does."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import socket


class LinkMode(enum.Enum):
    FORWARD = "forward"  # a working network
    REFUSE = "refuse"  # nothing listens: connection refused
    STALL = "stall"  # the listener's queue is full: connecting never completes
    SILENT = "silent"  # the request is taken and never answered


class FlakyLink:
    """Listens on one port for the bot's Bot API calls and passes them on, or fails them."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._stalled: list[socket.socket] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self.mode = LinkMode.FORWARD
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> str:
        await self._listen()
        return self.url

    async def stop(self) -> None:
        await self._close_everything()

    async def set_mode(self, mode: LinkMode) -> None:
        """Switch, cutting every open connection so the next call connects afresh."""
        await self._close_everything()
        self.mode = mode
        if mode in (LinkMode.FORWARD, LinkMode.SILENT):
            await self._listen()
        elif mode is LinkMode.STALL:
            self._stall()
        # Let the bot's HTTP clients see their pooled connections close before the next call.
        for _ in range(5):
            await asyncio.sleep(0.01)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _stall(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(0)
        self._stalled.append(listener)
        for _ in range(4):  # fill the accept queue; later handshakes get no answer
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", self.port))
            self._stalled.append(filler)

    async def _close_everything(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        for sock in self._stalled:
            sock.close()
        self._stalled.clear()
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self.mode is LinkMode.SILENT:
                while await reader.read(65536):
                    pass
                return
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
            self._writers.add(up_writer)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
