"""Runs a command in a pseudo-terminal for the CLI's end-to-end test, as a person at a terminal would.

Usage: pty-session.py ROWS COLS COMMAND [ARGS...]
Everything the command writes to its terminal is copied to stdout as it comes. Each line on stdin is a JSON
step: {"write": "text"} types text into the terminal, {"resize": [rows, cols]} resizes it (the kernel sends
SIGWINCH). When the command exits, "EXIT <code>" is written to stderr.
"""

import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    rows, cols, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        set_size(0, rows, cols)
        os.execvp(argv[0], argv)
    stdin = sys.stdin.fileno()
    watching = [fd, stdin]
    pending = b""
    while True:
        ready, _, _ = select.select(watching, [], [])
        if fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        if stdin in ready:
            chunk = os.read(stdin, 65536)
            if not chunk:
                watching = [fd]
                continue
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                step = json.loads(line)
                if "write" in step:
                    os.write(fd, step["write"].encode())
                if "resize" in step:
                    set_size(fd, *step["resize"])
    _, status = os.waitpid(pid, 0)
    sys.stderr.write("EXIT %d\n" % os.waitstatus_to_exitcode(status))
    sys.stderr.flush()


main()
