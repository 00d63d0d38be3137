# A pseudo-terminal for serial-instrument tests: prints the slave path, then copies hex lines from
# stdin to the master (what the "instrument" sends) and master output to stdout as hex lines
# (what the agent sent to the instrument). Exits when stdin closes.
import os, pty, select, sys, tty

master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
stdin = sys.stdin.fileno()
buf = b""
while True:
    ready, _, _ = select.select([stdin, master], [], [])
    if master in ready:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if data:
            sys.stdout.write(data.hex() + "\n")
            sys.stdout.flush()
    if stdin in ready:
        chunk = os.read(stdin, 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.strip()
            if line == b"CLOSE-SLAVE":
                os.close(slave)
                slave = -1
            elif line:
                os.write(master, bytes.fromhex(line.decode()))
