"""``open_sheet`` with the parsing on the other core: a child process reads the sheet while this one
validates the rows it has already read.

Parsing an .xlsx is most of a large import's preview (3.4 of 6 seconds at 100,000 rows) and Python
runs it on one core. Here a child process (``python -m linli.people.sheet_process NAME LANGUAGE``, ~80 ms
to start) runs the very same ``open_sheet`` on the same file and sends its rows back in chunks over a
pipe; the parent validates one chunk while the child parses the next. Same reader, same rows, same
errors (the child sends ``InvalidInput``'s message and field, the parent raises it again). The pipe's
buffer is the back-pressure: the child never runs more than a chunk or two ahead, so memory stays flat.

The messages are translated where they are raised, so the child translates them itself, in the language
of the request (the parent's active language, its second argument). It sets up only what ``gettext``
needs: a settings object of its own (the catalogues in ``locale/``, no project settings module: no
``SECRET_KEY``, no database) and an empty app registry: about 30 ms of the start-up.

Used for files of ``LINLI_IMPORT_PROCESS_MIN_KB`` and more (default 512 KB, about 9,000 template rows;
0 switches it off): below that the child's start-up is not paid back.

Wire format (child's stdout): frames of a 4-byte big-endian length and a ``marshal`` payload:
``("sheet", kind, encoding, header)``, then ``("rows", [(number, cells), …])`` …, then ``("end",)``;
or ``("error", message, field)`` at any point. ``marshal`` only carries plain data between two
processes of the same interpreter, which is all this is.
"""

from __future__ import annotations

import logging
import marshal
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from django.utils import translation

from linli.core.errors import InvalidInput
from linli.languages import LANGUAGE_CODE, LANGUAGES, LOCALE_PATHS
from linli.people.sheets import Sheet, open_sheet

logger = logging.getLogger(__name__)

ROWS_PER_FRAME = 1000
HEADER = struct.Struct(">I")
ROOT = Path(__file__).resolve().parent.parent.parent


class ReaderCrashed(RuntimeError):
    """The child process died without saying why (killed, out of memory): a system fault, not the file's."""


def use_process(size: int) -> bool:
    from django.conf import settings

    threshold = settings.IMPORT_PROCESS_MIN_BYTES
    return bool(threshold) and size >= threshold


@contextmanager
def open_sheet_in_process(stream: IO[bytes], name: str) -> Iterator[Sheet]:
    """``open_sheet(stream, name)``, read by a child process; the rows iterator is only valid inside
    the ``with``. The child is killed on the way out if the caller stops early."""
    language = translation.get_language() or LANGUAGE_CODE  # the request's: the child's errors speak it
    with ExitStack() as stack:
        source = _as_file(stream, stack)
        source.seek(0)
        # No shell; the file's name is one argument, used by open_sheet for its extension only.
        child = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "linli.people.sheet_process", name, language],
            stdin=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        stack.callback(_reap, child)
        assert child.stdout is not None
        first = _frame(child)
        if first[0] == "error":
            raise InvalidInput(first[1], field=first[2])
        _tag, kind, encoding, header = first
        yield Sheet(kind=kind, encoding=encoding, header=list(header), rows=_rows(child))


def _as_file(stream: IO[bytes], stack: ExitStack) -> IO[bytes]:
    """A stream with a real file descriptor the child can read (an upload held in memory is spooled)."""
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):  # BytesIO, InMemoryUploadedFile
        spooled = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
        stream.seek(0)
        shutil.copyfileobj(stream, spooled)
        return spooled
    return stream


def _frame(child: subprocess.Popen[bytes]) -> tuple[Any, ...]:
    assert child.stdout is not None
    head = child.stdout.read(HEADER.size)
    if len(head) < HEADER.size:
        child.wait()
        assert child.stderr is not None
        detail = child.stderr.read().decode(errors="replace")[-2000:]
        logger.error("the sheet reader process ended without an answer (exit %s): %s", child.returncode, detail)
        raise ReaderCrashed(f"sheet reader process exited with {child.returncode}")
    (length,) = HEADER.unpack(head)
    # Our own child's output: plain strings, ints, lists and tuples it marshalled, whatever the file held.
    frame: tuple[Any, ...] = marshal.loads(child.stdout.read(length))  # noqa: S302
    return frame


def _rows(child: subprocess.Popen[bytes]) -> Iterator[tuple[int, list[str]]]:
    while True:
        frame = _frame(child)
        if frame[0] == "rows":
            yield from frame[1]
        elif frame[0] == "end":
            return
        else:  # "error": the file broke half way through, as open_sheet itself would say
            raise InvalidInput(frame[1], field=frame[2])


def _reap(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    for pipe in (child.stdout, child.stderr):
        if pipe is not None:
            pipe.close()


# --- the child ------------------------------------------------------------------------------------


def _send(out: IO[bytes], frame: tuple[Any, ...]) -> None:
    payload = marshal.dumps(frame)
    out.write(HEADER.pack(len(payload)))
    out.write(payload)


def translate_in(language: str) -> None:
    """Just enough Django for ``gettext`` in ``language``. Not ``django.setup()``: it would also configure
    logging and import the URL resolver, which pulls in the ORM (~100 ms more); translation needs only a
    ready app registry, here an empty one."""
    from django.apps import apps
    from django.conf import settings

    settings.configure(
        USE_I18N=True, LANGUAGE_CODE=LANGUAGE_CODE, LANGUAGES=LANGUAGES, LOCALE_PATHS=LOCALE_PATHS, INSTALLED_APPS=[]
    )
    apps.populate([])
    try:
        translation.activate(translation.get_supported_language_variant(language))
    except LookupError:  # not one of ours: the default language, as a request would get
        translation.activate(LANGUAGE_CODE)


def child_main(name: str, language: str = LANGUAGE_CODE) -> int:
    translate_in(language)
    out = sys.stdout.buffer
    stream = os.fdopen(sys.stdin.fileno(), "rb", closefd=False)
    try:
        with open_sheet(stream, name) as sheet:
            _send(out, ("sheet", sheet.kind, sheet.encoding, sheet.header))
            chunk: list[tuple[int, list[str]]] = []
            for row in sheet.rows:
                chunk.append(row)
                if len(chunk) >= ROWS_PER_FRAME:
                    _send(out, ("rows", chunk))
                    chunk = []
            if chunk:
                _send(out, ("rows", chunk))
        _send(out, ("end",))
    except InvalidInput as exc:
        _send(out, ("error", exc.message, exc.field))
        out.flush()
    except BrokenPipeError:  # the parent stopped reading (it failed, or was stopped): not our error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second complaint at exit
    return 0


if __name__ == "__main__":
    sys.exit(child_main(*sys.argv[1:3]))
