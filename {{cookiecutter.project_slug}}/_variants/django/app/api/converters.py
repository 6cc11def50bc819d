"""Path converters: an id that is not a positive 64-bit integer matches no route (404)."""

MAX_ID = 2**63 - 1


class PositiveIdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
