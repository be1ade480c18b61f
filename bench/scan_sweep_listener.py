#!/usr/bin/python3
"""Answering side of the scan sweep benchmark (bench/scan_bench.sh).

Runs inside the sweep's target namespace, where the answering addresses are local and every
other target address is dropped by nftables. Listens on 0.0.0.0 (so every local address
answers) on the given TCP ports with a 4096 backlog and behaves like a minimal device:
port 23 sends a telnet login prompt, every other port answers one HTTP request with 200.
Each connection is closed after its answer or after 5 s of silence. Writes "ready" to
stdout once every port listens. Standard library only.
"""
import asyncio
import sys

BACKLOG = 4096


async def telnet(reader, writer):
    try:
        writer.write(b"\r\nsweep login: ")
        await writer.drain()
        await asyncio.wait_for(reader.read(256), 5)
    except (asyncio.TimeoutError, OSError):
        pass
    finally:
        writer.close()


async def http(reader, writer):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        body = b"<html><head><title>sweep</title></head><body>ok</body></html>\n"
        writer.write(b"HTTP/1.0 200 OK\r\nServer: sweep-device\r\nContent-Type: text/html\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        pass
    finally:
        writer.close()


async def main(ports):
    servers = []
    for p in ports:
        handler = telnet if p in (23, 2323) else http
        servers.append(await asyncio.start_server(handler, "0.0.0.0", p, backlog=BACKLOG,
                                                  reuse_address=True))
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main([int(p) for p in sys.argv[1:]] or [23, 80]))
    except KeyboardInterrupt:
        pass
