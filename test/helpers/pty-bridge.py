"""Runs a command under a pseudo-terminal and bridges it to plain pipes, so a test can drive
an interactive program (relay's REPL) as a person at a terminal would. Exit status is passed on."""
import os, pty, select, sys

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

stdin_open = True
while True:
    fds = [fd] + ([0] if stdin_open else [])
    try:
        ready, _, _ = select.select(fds, [], [], 0.05)
    except InterruptedError:
        continue
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if not data:
            stdin_open = False
        else:
            os.write(fd, data)

_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
