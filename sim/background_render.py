"""A product rendered on a thread of its own, as a board's firmware renders an image in the background
while it keeps answering the host: `imager.product` says "not ready" until it is done (or, asked to
wait, waits for it)."""

import threading
from collections.abc import Callable

from hal.devices import ImageProduct


class BackgroundRender:
    """`render()` run once on a daemon thread; `done()` polls it, `result()` waits for it."""

    def __init__(self, render: Callable[[], ImageProduct]):
        self._product: ImageProduct | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(render,), name="imager render", daemon=True)
        self._thread.start()

    def _run(self, render: Callable[[], ImageProduct]) -> None:
        try:
            self._product = render()
        except BaseException as failure:  # handed to the caller of result(), on its thread
            self._failure = failure

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> ImageProduct:
        """The product, once rendered (waits for it); what the render raised, raised here."""
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        assert self._product is not None
        return self._product
