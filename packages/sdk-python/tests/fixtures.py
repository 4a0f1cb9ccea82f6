"""An app's own code, so that frames point at a real file with lines to show."""

from __future__ import annotations


def parse_amount(text: str) -> int:
    """Raises ValueError for text that is not a number."""
    return int(text)


async def load_inventory(sku: str) -> None:
    """Raises after a turn of the event loop, as real I/O would."""
    import asyncio

    await asyncio.sleep(0)
    raise LookupError(f"sku {sku} is not stocked")
