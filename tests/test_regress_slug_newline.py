"""A slug or graph name ending in a newline (`%0A`) is 404, not 500.

`SLUG.match` let `$` match before a final newline, so `/id/city/zz%0A` reached the SPARQL
guard for IRIs, which refused `<…/zz\n>` with an error the web layer answered as 500
(found by hypothesis in tests/test_properties.py).
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    "path",
    [
        "/id/city/zz%0A",
        "/doc/city/zz%0A",
        "/doc/city/zz%0A.ttl",
        "/graph/curated%0A",
        "/id/city/tabriz%0A",
    ],
)
def test_a_trailing_newline_is_not_a_slug(mini_client: FlaskClient, path: str) -> None:
    response = mini_client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/turtle"
    assert b"is not a resource of this dataset" in response.data
