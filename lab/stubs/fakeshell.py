#!/usr/bin/python3
"""A harmless stand-in for a device's shell: the lab's weak logins (telnet, SSH) land here
instead of in a real shell of the host. It prints a BusyBox-like prompt and answers every
command with "not found", so a scanner that logs in sees a shell and nothing can run."""
import os
import sys

BANNER = "\n\nBusyBox v1.35.0 built-in shell (ash)\nEnter 'help' for a list of built-in commands.\n\n"


def main():
    prompt = "# " if os.geteuid() == 0 else "$ "
    out = sys.stdout
    out.write(BANNER + prompt)
    out.flush()
    for line in sys.stdin:
        cmd = line.strip()
        if cmd in ("exit", "logout", "quit"):
            break
        if cmd:
            word = cmd.split()[0][:64]
            out.write("-sh: %s: not found\n" % word)
        out.write(prompt)
        out.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KeyboardInterrupt, BrokenPipeError, OSError):
        sys.exit(0)
