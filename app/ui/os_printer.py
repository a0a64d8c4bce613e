"""PDF to any printer the operating system knows (CUPS on Linux, the Windows spooler), through
Qt's print support (``QPrinterInfo`` to list printers, ``QPrinter`` + ``QPainter`` to print).

PySide6-Essentials has no PDF renderer (QtPdf ships in the Addons wheel), so each page is
rasterised locally by poppler at the printer's own resolution (capped at ``max_dpi``) and painted
1:1 onto the page: barcodes keep sharp edges and decode at printer resolution.

Thread contract: :meth:`QtOsPrinter.print_pdf` runs on the print queue's worker thread. Qt allows
``QPainter`` on a ``QPrinter`` or ``QImage`` outside the GUI thread (no widget is touched here);
a ``QGuiApplication`` must exist (``bootstrap`` creates it before the station). The printer list
(:meth:`printer_names`) may block on the print system: call it through the task runner.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from app.documents.pdf_raster import PreviewUnavailable, pdf_pages_for_printing
from app.domain.printing import PrintFailed

#: Builds the QPrinter for a printer name (tests: a QPrinter writing a PDF file).
PrinterFactory = Callable[[str], QPrinter]


class QtOsPrinter:
    """Lists OS printers and prints PDF bytes to one of them, page by page at its size."""

    def __init__(
        self, printer_factory: PrinterFactory | None = None, *, max_dpi: int = 600
    ) -> None:
        self._factory = printer_factory or _system_printer
        self._max_dpi = max_dpi

    def printer_names(self) -> list[str]:
        """The printers the OS offers, the default one first."""
        names = list(QPrinterInfo.availablePrinterNames())
        default = QPrinterInfo.defaultPrinterName()
        if default in names:
            names.remove(default)
            names.insert(0, default)
        return names

    def print_pdf(self, name: str, pdf: bytes, title: str = "ITAD Station label") -> None:
        """Print every page of ``pdf`` on printer ``name`` with each page's own size and no
        margins. Raises :class:`PrintFailed` (in operator words) when the printer is unknown,
        refuses the job or stops taking it; the print queue keeps the job and retries."""
        printer = self._factory(name)
        printer.setDocName(title)
        printer.setCreator("ITAD Intake Station")
        printer.setFullPage(True)  # label stock: the page corner is the label corner
        resolution = printer.resolution()
        dpi = max(72, min(resolution, self._max_dpi))
        painter = QPainter()
        begun = False
        try:
            pages = pdf_pages_for_printing(pdf, dpi=dpi)
            for page in pages:
                layout = QPageLayout(
                    QPageSize(
                        QSizeF(page.width_pt, page.height_pt),
                        QPageSize.Unit.Point,
                        "",
                        QPageSize.SizeMatchPolicy.FuzzyMatch,
                    ),
                    QPageLayout.Orientation.Portrait,
                    QMarginsF(0, 0, 0, 0),
                )
                printer.setPageLayout(layout)
                if not begun:
                    if not painter.begin(printer):
                        raise PrintFailed(
                            f"printer '{name}' did not accept the job (is it installed, switched "
                            "on and allowed for this user?)"
                        )
                    begun = True
                elif not printer.newPage():
                    raise PrintFailed(f"printer '{name}' refused page {page.number}")
                image = QImage.fromData(page.png, "PNG")
                if image.isNull():
                    raise PrintFailed(f"page {page.number} could not be drawn for printing")
                # Device pixels: the page at the printer's resolution, whatever dpi we drew at.
                scale = resolution / 72
                painter.drawImage(
                    QRectF(0, 0, page.width_pt * scale, page.height_pt * scale), image
                )
            if not begun:
                raise PrintFailed("the document has no pages")
            if not painter.end():
                raise PrintFailed(f"printer '{name}' stopped taking the job")
        except PreviewUnavailable as exc:
            raise PrintFailed(exc.message) from None
        finally:
            if painter.isActive():  # a failure mid-job: drop the partial job, never half-print
                printer.abort()
                painter.end()


def _system_printer(name: str) -> QPrinter:
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise PrintFailed(f"no printer named '{name}' is installed on this computer")
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)
