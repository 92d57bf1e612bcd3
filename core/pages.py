"""The merchant console (/console/) and the member preview (/h5/): static pages, no build."""

import os

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("pages", __name__)


@bp.get("/<any(console, h5):page>/")
@bp.get("/<any(console, h5):page>/<path:filename>")
def page(page: str, filename: str = "index.html"):
    """A file of static/<page>/, its index.html at the root."""
    return send_from_directory(os.path.join(current_app.static_folder, page), filename)
