"""A PDF decompression bomb: a 1 MB file whose page content inflates to a gigabyte. Importing it,
or reading it as a review's report, is refused with words, in a process held to 500 MB."""

import os
import resource
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 500 * 1024 * 1024


def pdf_bomb(megabytes=1024):
    """A one-page PDF: a line of text, then a content stream of `megabytes` MB of spaces.

    After a full flush deflate starts afresh, so each megabyte compresses to the same bytes and
    the stream is built by repeating them: nothing of a gigabyte is ever held here."""
    chunk = b" " * (1024 * 1024)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    bomb = b"\x78\xda" + block * megabytes + deflater.flush() + checksum.to_bytes(4, "big")
    text = b"BT /F1 24 Tf 72 720 Td (Recommendations) Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R] "
        b"/Resources << /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def run_held_to_500_mb(tmp_path, code):
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        },
        preexec_fn=limit_memory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def bomb(tmp_path):
    path = tmp_path / "overview-report.pdf"
    path.write_bytes(pdf_bomb())
    return path


def test_the_bomb_is_a_small_file_that_inflates_to_a_gigabyte(bomb):
    data = bomb.read_bytes()
    assert len(data) < 1.2 * 1024 * 1024
    start = data.index(b"/FlateDecode >>\nstream\n") + len(b"/FlateDecode >>\nstream\n")
    inflater = zlib.decompressobj()
    inflated = 0
    pending = data[start:]
    while pending and not inflater.eof:
        inflated += len(inflater.decompress(pending, 64 * 1024 * 1024))
        pending = inflater.unconsumed_tail
    assert inflated == 1024 * 1024 * 1024


def test_importing_a_pdf_bomb_is_refused_with_words_under_500_mb(tmp_path, bomb):
    finished = run_held_to_500_mb(
        tmp_path,
        f"""
        import django, resource
        django.setup()
        from reviews.importer import ReviewImportError
        from reviews.importer.readers import read_document
        try:
            read_document("overview-report.pdf", open({str(bomb)!r}, "rb").read())
        except ReviewImportError as error:
            print("refused:", error)
        # The high-water mark of this program's own memory: ru_maxrss would carry over the
        # test runner's size from before exec.
        status = open("/proc/self/status").read()
        print("peak KB:", status.split("VmHWM:", 1)[1].split()[0])
        """,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert (
        "refused: overview-report.pdf: the PDF is refused because page 1 unpacks to more than "
        "16 MB" in finished.stdout
    )
    peak_kb = int(finished.stdout.rsplit("peak KB:", 1)[1])
    assert peak_kb * 1024 < MEMORY_LIMIT


def test_a_pdf_bomb_attached_as_a_report_is_recorded_as_could_not_be_read(tmp_path, bomb):
    finished = run_held_to_500_mb(
        tmp_path,
        f"""
        import django
        django.setup()
        from search.reports import ReportUnreadable, passages
        try:
            passages("overview-report.pdf", open({str(bomb)!r}, "rb").read())
        except ReportUnreadable as error:
            print("could not be read:", error)
        """,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "could not be read: overview-report.pdf: the PDF is refused because" in finished.stdout
