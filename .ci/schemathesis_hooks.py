"""Schemathesis hooks of the test command (loaded by .ci/schemathesis.sh).

The creating POSTs take an `Idempotency-Key` (issue 11). Generated requests
draw their keys from a few short values, so most would reuse a key with
another body and get the 422 that rule answers by design (tested in
tests/tests/api/idempotency.rs) instead of reaching the endpoint. A well-formed
generated key of a schema-valid case is therefore made unique per request;
malformed keys and negative cases are sent as generated, so their 4xx are
still checked.
"""

import uuid

import schemathesis

HEADER = "Idempotency-Key"


def _well_formed(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in key)


@schemathesis.hook
def before_call(context, case, **kwargs):
    # Only schema-valid cases: a changed header revalidates the case, and a
    # negative one (say, without x-api-key on purpose) would turn positive
    # and be sent with the key after all. A negative case that reuses a key
    # is still refused (a 4xx), as negative cases must be.
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    key = case.headers.get(HEADER) if case.headers else None
    if isinstance(key, str) and _well_formed(key):
        case.headers[HEADER] = f"{key[:200]}-{uuid.uuid4().hex}"
