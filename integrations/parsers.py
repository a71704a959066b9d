"""The one JSON parser of the channel endpoints: no deeper than any Zendesk payload can be.

Python's decoder recurses once per level, so a body of a few thousand `[` exhausts the stack and would
end in a 500; the depth is checked on the text first, so such a body never reaches the decoder.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # Zendesk's event callbacks nest 6 levels (events, event, data, resource_events, item)
STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKET = re.compile(r"[\[\]{}]")


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body: bytes = stream.read()
        if nests_deeper(body.decode("utf-8", errors="replace"), MAX_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels")
        return super().parse(io.BytesIO(body), media_type, parser_context)


def nests_deeper(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` in this JSON text (brackets in strings do not count)."""
    depth = 0
    for bracket in BRACKET.finditer(STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False
