"""Evidence files: only documents and images an agency would send, checked by their content."""

import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat

from .plain_text import has_control_characters, single_line

# What each accepted kind must start with (by content) and may be called (by name).
ACCEPTED = {
    "pdf": ("application/pdf", {"pdf"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {"docx"},
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}),
    "doc": ("application/msword", {"doc"}),
    "xls": ("application/vnd.ms-excel", {"xls"}),
    "png": ("image/png", {"png"}),
    "jpeg": ("image/jpeg", {"jpg", "jpeg"}),
}
ACCEPTED_DESCRIPTION = "PDF, Word (.docx, .doc), Excel (.xlsx, .xls), PNG or JPEG"
# Old Word and Excel files are OLE2 compound documents; the container does not say which.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What an Office document renamed from a macro-enabled one is found to be.
MACROS = "macros"
# The part every Office Open XML document of each kind must contain.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _extension(name):
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _kind_by_content(upload):
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if head.startswith(OLE2_SIGNATURE):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(upload)
    guess = filetype.guess(head)
    if guess is None:
        return None
    return {"pdf": "pdf", "png": "png", "jpg": "jpeg"}.get(guess.extension)


def _ooxml_kind(upload):
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    # A .docm or .xlsm renamed: Word and Excel never save macros in a .docx or .xlsx.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return MACROS
    for kind, part in OOXML_MAIN_PART.items():
        if part in names:
            return kind
    return None


def check_evidence(upload):
    """Return the content type of an acceptable evidence file; raise ValidationError otherwise."""
    name = upload.name or "the file"
    if has_control_characters(name):
        # "invoice<U+202E>fdp.exe" reads as "invoiceexe.pdf": the name would lie to the reader.
        raise ValidationError(
            f"“{single_line(name)}” was not accepted: its name has a hidden direction or control "
            "character. Rename the file and try again."
        )
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"{name} is {filesizeformat(upload.size)}; evidence files can be at most "
            f"{filesizeformat(limit)}."
        )
    if upload.size == 0:
        raise ValidationError(f"{name} is empty.")
    extension = _extension(name)
    kind = _kind_by_content(upload)
    if kind == MACROS:
        raise ValidationError(
            f"{name} holds macros, which evidence files may not. Save it in Word or Excel as a "
            ".docx or .xlsx (which leaves the macros out), or as a PDF, and try again."
        )
    if kind == "ole2" and extension in ("doc", "xls"):
        kind = extension
    if kind not in ACCEPTED:
        raise ValidationError(
            f"{name} is not a {ACCEPTED_DESCRIPTION} file (its content was checked, not only its "
            "name), so it was not accepted."
        )
    content_type, extensions = ACCEPTED[kind]
    if extension not in extensions:
        raise ValidationError(
            f"{name} is named .{extension or '(no extension)'} but its content is a "
            f"{kind.upper()} file; rename it to .{sorted(extensions)[0]} and try again."
        )
    return content_type


def attach_evidence(update, uploads):
    """Store already-checked uploads against a progress update."""
    from .models import EvidenceFile

    return [
        EvidenceFile.objects.create(
            update=update,
            file=upload,
            original_name=upload.name[:255],
            content_type=check_evidence(upload),
            size=upload.size,
        )
        for upload in uploads
    ]


def serve_private_file(stored_file, filename=None, content_type=None):
    """A download of a privately stored file, for a view that has already checked who may have
    it: never a public media URL."""
    try:
        handle = stored_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is missing from storage.") from missing
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename or stored_file.name.rsplit("/", 1)[-1],
        content_type=content_type,
    )
