"""A refused request is an everyday event, not an error: one line in the log (status, method, path), no traceback."""

import logging


class OneLineRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404, 405) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
