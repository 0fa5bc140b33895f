"""Turn a published review document into a draft review: read it, find its recommendations,
suggest themes and agencies, and create the page. The command and the admin both come here."""


class ReviewImportError(Exception):
    """A document that cannot be imported; the message says why, for the person who uploaded it."""


SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".pdf", ".docx")
