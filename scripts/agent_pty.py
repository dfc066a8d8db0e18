"""Drives a program in a pseudo-terminal and keeps a small model of its screen.

The model knows enough of the xterm control set (cursor movement, erasing, scrolling
regions, insert/delete, the alternate screen, wide characters) to tell what the screen
shows, so that a scripted conversation waits on what a person would see rather than on
fixed sleeps. It also answers the queries terminal programs send before they draw
(cursor position, device attributes, colours, sizes): a program that gets no answer
waits, or falls back to a different way of drawing.

Every byte the program writes is kept, unchanged, in `Session.output`.
"""

import codecs
import fcntl
import os
import re
import select
import signal
import struct
import termios
import time
import unicodedata


class StepFailed(Exception):
    """A scripted step did not happen in time; the message shows the screen."""


def char_width(ch):
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Screen:
    """Rows of characters, a cursor, and the replies owed to the program's queries."""

    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.replies = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._state = "ground"
        self._seq = ""
        self.main = self._blank_grid()
        self.alt = self._blank_grid()
        self.grid = self.main
        self.row = self.col = 0
        self.wrap_pending = False
        self.top, self.bottom = 0, rows - 1
        self.saved = (0, 0)
        self.title = ""

    def _blank_grid(self):
        return [[" "] * self.cols for _ in range(self.rows)]

    def text(self):
        return "\n".join("".join(ch for ch in row if ch).rstrip() for row in self.grid)

    def feed(self, data):
        for ch in self._decoder.decode(data):
            self._char(ch)

    # The parser: ground, ESC, CSI, and strings (OSC, DCS, APC, PM, SOS) up to BEL or ST.

    def _char(self, ch):
        state = self._state
        if state == "ground":
            if ch == "\x1b":
                self._state, self._seq = "esc", ""
            elif ch < " " or ch == "\x7f":
                self._control(ch)
            else:
                self._print(ch)
        elif state == "esc":
            if ch == "[":
                self._state, self._seq = "csi", ""
            elif ch in "]P_^X":
                self._state, self._seq = "string", ch
            elif " " <= ch <= "/":
                self._seq += ch  # intermediates: charset designations and such
            else:
                self._state = "ground"
                if not self._seq:
                    self._escape(ch)
        elif state == "csi":
            if "@" <= ch <= "~":
                self._state = "ground"
                self._csi(self._seq, ch)
            elif ch == "\x1b":
                self._state, self._seq = "esc", ""
            else:
                self._seq += ch
        elif state == "string":
            if ch == "\x07":
                self._state = "ground"
                self._string(self._seq)
            elif ch == "\x1b":
                self._state = "string_esc"
            else:
                self._seq += ch
        elif state == "string_esc":
            self._state = "ground"
            self._string(self._seq)
            if ch != "\\":
                self._char(ch)

    def _control(self, ch):
        if ch == "\r":
            self.col, self.wrap_pending = 0, False
        elif ch in "\n\x0b\x0c":
            self._linefeed()
        elif ch == "\b":
            self.col, self.wrap_pending = max(0, self.col - 1), False
        elif ch == "\t":
            self.col = min(self.cols - 1, (self.col // 8 + 1) * 8)

    def _linefeed(self):
        self.wrap_pending = False
        if self.row == self.bottom:
            self._scroll_up(1)
        elif self.row < self.rows - 1:
            self.row += 1

    def _print(self, ch):
        width = char_width(ch)
        if width == 0:
            return
        if self.wrap_pending or self.col + width > self.cols:
            self.col, self.wrap_pending = 0, False
            self._linefeed()
        self.grid[self.row][self.col] = ch
        if width == 2:
            self.grid[self.row][self.col + 1] = ""
        self.col += width
        if self.col >= self.cols:
            self.col, self.wrap_pending = self.cols - 1, True

    def _escape(self, ch):
        if ch == "7":
            self.saved = (self.row, self.col)
        elif ch == "8":
            self.row, self.col = self.saved
        elif ch == "D":
            self._linefeed()
        elif ch == "E":
            self.col = 0
            self._linefeed()
        elif ch == "M":
            if self.row == self.top:
                self._scroll_down(1)
            elif self.row > 0:
                self.row -= 1
        elif ch == "c":
            self.__init__(self.cols, self.rows)

    def _scroll_up(self, n):
        for _ in range(min(n, self.bottom - self.top + 1)):
            del self.grid[self.top]
            self.grid.insert(self.bottom, [" "] * self.cols)

    def _scroll_down(self, n):
        for _ in range(min(n, self.bottom - self.top + 1)):
            del self.grid[self.bottom]
            self.grid.insert(self.top, [" "] * self.cols)

    def _erase(self, row, start, end):
        for col in range(max(0, start), min(self.cols, end)):
            self.grid[row][col] = " "

    def _csi(self, seq, final):
        private = seq[:1] if seq[:1] in "?<=>" else ""
        body = seq[len(private):].rstrip(" !\"#$%&'()*+,-./")
        intermediate = seq[len(private) + len(body):]
        params = [int(p.split(":")[0]) if p.split(":")[0].isdigit() else 0 for p in body.split(";")] if body else []
        first = params[0] if params else 0
        n = max(first, 1)
        self.wrap_pending = False
        if intermediate:
            if final == "p" and intermediate == "$":  # DECRQM: synchronized output is known
                mode = first
                state = 2 if (private == "?" and mode == 2026) else 0
                self.replies += f"\x1b[{private}{mode};{state}$y".encode()
            return
        if private == ">" and final == "c":
            self.replies += b"\x1b[>0;10;0c"
        elif private and final in "hl" and private == "?":
            for mode in params:
                if mode in (47, 1047, 1049):
                    want_alt = final == "h"
                    if want_alt and self.grid is self.main:
                        if mode == 1049:
                            self.saved = (self.row, self.col)
                        self.alt = self._blank_grid()
                        self.grid = self.alt
                    elif not want_alt and self.grid is self.alt:
                        self.grid = self.main
                        if mode == 1049:
                            self.row, self.col = self.saved
        elif private:
            return
        elif final in "Hf":
            row = (params[0] if len(params) > 0 else 1) or 1
            col = (params[1] if len(params) > 1 else 1) or 1
            self.row, self.col = min(row, self.rows) - 1, min(col, self.cols) - 1
        elif final == "A":
            self.row = max(self.top if self.row >= self.top else 0, self.row - n)
        elif final in "Be":
            self.row = min(self.bottom if self.row <= self.bottom else self.rows - 1, self.row + n)
        elif final in "Ca":
            self.col = min(self.cols - 1, self.col + n)
        elif final == "D":
            self.col = max(0, self.col - n)
        elif final == "E":
            self.row, self.col = min(self.rows - 1, self.row + n), 0
        elif final == "F":
            self.row, self.col = max(0, self.row - n), 0
        elif final in "G`":
            self.col = min(n, self.cols) - 1
        elif final == "d":
            self.row = min(n, self.rows) - 1
        elif final == "J":
            if first == 0:
                self._erase(self.row, self.col, self.cols)
                for row in range(self.row + 1, self.rows):
                    self._erase(row, 0, self.cols)
            elif first == 1:
                self._erase(self.row, 0, self.col + 1)
                for row in range(0, self.row):
                    self._erase(row, 0, self.cols)
            else:
                for row in range(self.rows):
                    self._erase(row, 0, self.cols)
        elif final == "K":
            start, end = {0: (self.col, self.cols), 1: (0, self.col + 1)}.get(first, (0, self.cols))
            self._erase(self.row, start, end)
        elif final == "X":
            self._erase(self.row, self.col, self.col + n)
        elif final == "P":
            line = self.grid[self.row]
            del line[self.col:self.col + n]
            line.extend([" "] * (self.cols - len(line)))
        elif final == "@":
            line = self.grid[self.row]
            for _ in range(n):
                line.insert(self.col, " ")
            del line[self.cols:]
        elif final in "LM" and self.top <= self.row <= self.bottom:
            saved_top, self.top = self.top, self.row
            (self._scroll_down if final == "L" else self._scroll_up)(n)
            self.top = saved_top
        elif final == "S":
            self._scroll_up(n)
        elif final == "T":
            self._scroll_down(n)
        elif final == "r":
            top = (params[0] if len(params) > 0 else 1) or 1
            bottom = (params[1] if len(params) > 1 else self.rows) or self.rows
            if top < bottom <= self.rows:
                self.top, self.bottom = top - 1, bottom - 1
                self.row = self.col = 0
        elif final == "s":
            self.saved = (self.row, self.col)
        elif final == "u":
            self.row, self.col = self.saved
        elif final == "n" and first == 6:
            self.replies += f"\x1b[{self.row + 1};{self.col + 1}R".encode()
        elif final == "n" and first == 5:
            self.replies += b"\x1b[0n"
        elif final == "c" and first == 0:
            self.replies += b"\x1b[?62;22c"
        elif final == "t" and first == 14:
            self.replies += f"\x1b[4;{self.rows * 20};{self.cols * 10}t".encode()
        elif final == "t" and first == 16:
            self.replies += b"\x1b[6;20;10t"
        elif final == "t" and first == 18:
            self.replies += f"\x1b[8;{self.rows};{self.cols}t".encode()

    def _string(self, seq):
        kind, body = seq[:1], seq[1:]
        if kind != "]":
            return
        number, _, rest = body.partition(";")
        if number in ("0", "2"):
            self.title = rest
        elif number in ("10", "11") and rest == "?":
            colour = "ffff/ffff/ffff" if number == "10" else "0000/0000/0000"
            self.replies += f"\x1b]{number};rgb:{colour}\x1b\\".encode()


class Session:
    """A program on a PTY of a fixed size, its screen, and everything it wrote."""

    def __init__(self, argv, cwd, env, cols=100, rows=30, log=print):
        self.cols, self.rows, self.log = cols, rows, log
        self.screen = Screen(cols, rows)
        self.output = bytearray()
        self.exit_status = None
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        pid = os.fork()
        if pid == 0:
            try:
                os.close(master)
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                if slave > 2:
                    os.close(slave)
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        os.close(slave)
        self.pid, self.fd = pid, master
        self.started = time.monotonic()

    def pump(self, timeout):
        """Reads what is there (waiting up to `timeout` s for something); answers queries."""
        if self.fd is None:
            time.sleep(timeout)
            return False
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            self._reap()
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: every copy of the terminal's other side is closed
            data = b""
        if not data:
            os.close(self.fd)
            self.fd = None
            self._reap(wait=True)
            return False
        self.output += data
        self.screen.feed(data)
        if self.screen.replies:
            self.send(bytes(self.screen.replies))
            self.screen.replies.clear()
        return True

    def _reap(self, wait=False):
        if self.exit_status is None:
            pid, status = os.waitpid(self.pid, 0 if wait else os.WNOHANG)
            if pid:
                self.exit_status = status

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.fd is not None:
            os.write(self.fd, data)

    def type(self, text, delay=0.02):
        """Types `text` a character at a time, as a person would."""
        for ch in text:
            self.send(ch)
            self.pump(delay)

    def settle(self, quiet=0.5, limit=10.0):
        """Reads until the program has been quiet for `quiet` s (at most `limit` s)."""
        end = time.monotonic() + limit
        last = time.monotonic()
        while time.monotonic() < end:
            if self.pump(0.05):
                last = time.monotonic()
            elif time.monotonic() - last >= quiet:
                return

    def wait_for(self, pattern, what, timeout=60.0):
        """Reads until the screen matches `pattern` (a regular expression)."""
        regex = re.compile(pattern, re.S)
        end = time.monotonic() + timeout
        while True:
            if regex.search(self.screen.text()):
                self.log(f"  {self.elapsed():6.1f}s  saw {what}")
                return
            if time.monotonic() > end or (self.fd is None and self.exit_status is not None):
                gone = " (the program ended)" if self.fd is None else ""
                raise StepFailed(f"did not see {what}{gone} within {timeout:.0f}s; the screen shows:\n"
                                 + self.screen.text())
            self.pump(0.1)

    def wait_exit(self, timeout=30.0):
        end = time.monotonic() + timeout
        while self.fd is not None or self.exit_status is None:
            if time.monotonic() > end:
                raise StepFailed(f"did not exit within {timeout:.0f}s; the screen shows:\n" + self.screen.text())
            self.pump(0.1)
        self.log(f"  {self.elapsed():6.1f}s  exited ({os.waitstatus_to_exitcode(self.exit_status)})")

    def kill(self):
        if self.exit_status is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap(wait=True)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def elapsed(self):
        return time.monotonic() - self.started
