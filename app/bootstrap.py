"""Composition root: the ONLY place that picks concrete classes and wires them together.

Everything else receives its collaborators in ``__init__``. PySide6 is imported lazily here so
the core (and the CLI's non-GUI commands) run without Qt installed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.config import DeviceSettingsFile, Settings, default_config_path
from app.devices.device_manager import DeviceManager
from app.devices.printer import OsPrinter, PrintQueue
from app.devices.simulation import SimulatedDevices, start_demo_devices
from app.domain.devices import DeviceEvent, DeviceState
from app.domain.errors import UserFacingError
from app.domain.ids import uuid7
from app.domain.pallets import PalletIdScheme, derived_station_code
from app.ledger.chain import Sealer
from app.ledger.hlc import HlcTimestamp, HybridLogicalClock
from app.ledger.keys import StationKey
from app.ledger.verify import VerifyReport, verify_rows
from app.services.custody import CustodyService
from app.services.custody_log import CustodyLogService
from app.services.demo_data import (
    DEMO_OPERATORS,
    DEMO_SCAN_VALUES,
    DEMO_WIPED_SERIALS,
    seed_demo_data,
    seed_demo_wipes,
)
from app.services.demo_pallets import seed_demo_pallets
from app.services.demo_sanitization import seed_demo_sanitization
from app.services.device_setup import DeviceSetupService
from app.services.grading import GradingService, RubricCatalog
from app.services.operators import OperatorService
from app.services.palletizing import PalletizingService
from app.services.receiving import IntakeLabelOutput, ReceivingService, ReportContext
from app.services.sanitization import MediaDataBearingCheck, SanitizationService
from app.services.station_info import StationInfo
from app.services.station_setup import ensure_initialized
from app.services.sync import SyncService
from app.storage.blob_outbox import SqliteBlobOutbox
from app.storage.blob_store import BlobStore
from app.storage.database import StationDatabase, open_read_only_engine, open_station_database
from app.storage.event_store import EventStore
from app.storage.grading_repository import GradingRepository
from app.storage.pallet_repository import PalletRepository
from app.storage.projector import Projector
from app.storage.receiving_repository import ReceivingRepository
from app.storage.repositories import (
    LedgerReader,
    OperatorRepository,
    StationMetaRepository,
)
from app.storage.sanitization_repository import SanitizationRepository
from app.storage.sync_store import SqliteSyncStore
from app.sync.client import SyncClient
from app.sync.engine import SyncEngine
from app.sync.worker import SyncWorker
from drivers.simulators.zpl_printer import ZplPrinterSimulator

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QApplication

    from app.ui.device_event_bridge import DeviceEventBridge
    from app.ui.main_window import MainWindow
    from app.ui.pages.grading_page import GradingPage
    from app.ui.task_runner import TaskRunner

KEY_FILE_NAME = "station.key"
BLOBS_DIR_NAME = "blobs"
#: Intake labels saved as PDF when no label printer is configured.
INTAKE_LABELS_DIR_NAME = "intake-labels"
#: Demo scanner pace: slow enough to watch, in the window; quick for a screenshot.
DEMO_SCAN_INTERVAL_S = 2.5
SCREENSHOT_SCAN_INTERVAL_S = 0.3


@dataclass
class Station:
    """Everything a running station owns. Close it to release the database and the lock."""

    settings: Settings
    database: StationDatabase
    key: StationKey
    station_id: str
    events: EventStore
    operators: OperatorService
    custody_log: CustodyLogService
    receiving: ReceivingService
    custody: CustodyService
    demo: bool = False
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2), repr=False)
    # Wired by ``open_station`` once the station exists (see ``_wire_sync``).
    sync_worker: SyncWorker | None = None
    sync: SyncService | None = None
    grading: GradingService | None = None
    sanitization: SanitizationService | None = None
    palletizing: PalletizingService | None = None
    print_queue: PrintQueue | None = None
    # Demo only: the fake Zebra printer the demo's labels go to.
    demo_printer: ZplPrinterSimulator | None = None

    def close(self) -> None:
        if self.sync_worker is not None:
            self.sync_worker.stop()
        if self.print_queue is not None:
            self.print_queue.close()
        if self.demo_printer is not None:
            self.demo_printer.close()
        self._pool.shutdown(wait=True)
        self.database.close()


def open_station(
    settings: Settings, *, demo: bool = False, os_printer: OsPrinter | None = None
) -> Station:
    """Open (creating on first run) the station in ``settings.data_dir`` and wire its services.

    ``os_printer`` (GUI commands: Qt's print support, ``app.ui.os_printer``) lets labels and
    manifests print as PDF to the operating system's printers.

    Raises the storage errors (locked, corrupt, too new) without touching the files.
    """
    data_dir = settings.data_dir
    database = open_station_database(data_dir)
    try:
        key = StationKey.load_or_create(data_dir / KEY_FILE_NAME)
        meta = StationMetaRepository(database.engine)
        station_id = meta.put_if_absent("station_id", f"st-{uuid7().hex[:16]}")
        facility_id = meta.put_if_absent("facility_id", settings.facility_id)
        ledger = LedgerReader(database.engine)
        hlc = HybridLogicalClock(last=HlcTimestamp(*ledger.last_hlc()))
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ledger-crypto")
        sealer = Sealer(
            station_id=station_id,
            facility_id=facility_id,
            key=key,
            hlc=hlc,
            sign_executor=pool,
        )
        events = EventStore(database.engine, sealer, Projector())
        operators = OperatorService(events, OperatorRepository(database.engine))
        custody_log = CustodyLogService(
            ledger, operators, key.public_key, station_id, verify_executor=pool
        )
        receiving_reader = ReceivingRepository(database.engine)
        receiving = ReceivingService(
            events,
            receiving_reader,
            BlobStore(data_dir / BLOBS_DIR_NAME),
            operators,
            report_context=ReportContext(
                station_name=settings.station_name, facility_id=facility_id
            ),
        )
        custody = CustodyService(
            events, receiving_reader, operators, OperatorRepository(database.engine)
        )
        ensure_initialized(
            events,
            station_name=settings.station_name,
            public_key_hex=key.public_key_hex,
            software_version=__version__,
        )
        station = Station(
            settings=settings,
            database=database,
            key=key,
            station_id=station_id,
            events=events,
            operators=operators,
            custody_log=custody_log,
            receiving=receiving,
            custody=custody,
            demo=demo,
            _pool=pool,
        )
        _wire_sync(station, hlc)
        station.grading = _grading_service(station)
        station.sanitization = _sanitization_service(station)
        station.palletizing = _palletizing_service(station, os_printer)
        # Intake labels go to the same label printer (queue) as pallet labels, else to PDFs.
        receiving.use_intake_label_output(
            IntakeLabelOutput(
                printer=station.print_queue,
                target=station.palletizing.printer_target,
                pdf_dir=data_dir / INTAKE_LABELS_DIR_NAME,
            )
        )
    except BaseException:
        database.close()
        raise
    if demo and OperatorRepository(database.engine).count() == 0:
        seed_demo_data(events, operators)
        reader = GradingRepository(database.engine)
        wiped = [reader.find_asset(serial) for serial in DEMO_WIPED_SERIALS]
        seed_demo_wipes(events, operators, [a.asset_id for a in wiped if a is not None])
        if station.sanitization is not None:
            seed_demo_sanitization(station.sanitization, operators, _samples_dir())
        if station.grading is not None and station.palletizing is not None:
            seed_demo_pallets(events, operators, station.grading, station.palletizing)
    return station


def _grading_service(station: Station) -> GradingService:
    """Grading over the station's ledger, with the bundled rubrics and blobs under data_dir."""
    from app.resource_files import ResourcesMissing, resource_path  # noqa: PLC0415

    try:
        rubrics_dir: Path | None = resource_path("rubrics")
    except ResourcesMissing:
        rubrics_dir = None  # only published rubrics; the Grading page says none match
    reader = GradingRepository(station.database.engine)
    return GradingService(
        station.events,
        reader,
        BlobStore(station.settings.data_dir / BLOBS_DIR_NAME),
        station.operators,
        RubricCatalog(rubrics_dir, reader),
        data_bearing=MediaDataBearingCheck(SanitizationRepository(station.database.engine)),
    )


def _sanitization_service(station: Station) -> SanitizationService:
    """Media registry, wipe-report import, destruction batches and certificates."""
    return SanitizationService(
        station.events,
        SanitizationRepository(station.database.engine),
        BlobStore(station.settings.data_dir / BLOBS_DIR_NAME),
        station.operators,
        OperatorRepository(station.database.engine),
        facility=station.settings.facility_id,
    )


def _palletizing_service(station: Station, os_printer: OsPrinter | None) -> PalletizingService:
    """Pallets and labels. The print queue starts when a Zebra label printer is configured
    (the demo prints to a fake Zebra printer on 127.0.0.1) or OS printers can be used."""
    settings = station.settings
    target = settings.label_printer
    if station.demo and not target:
        station.demo_printer = ZplPrinterSimulator()
        target = station.demo_printer.url
    if target or os_printer is not None:
        station.print_queue = PrintQueue(
            retry_interval_s=10.0,
            os_printer=os_printer.print_pdf if os_printer is not None else None,
        )
    assert station.grading is not None
    return PalletizingService(
        station.events,
        PalletRepository(station.database.engine),
        GradingRepository(station.database.engine),
        station.operators,
        BlobStore(settings.data_dir / BLOBS_DIR_NAME),
        # The same "is it data-bearing?" answer grading uses: the media registry.
        data_bearing=MediaDataBearingCheck(SanitizationRepository(station.database.engine)),
        rubrics=station.grading.rubrics,
        scheme=pallet_id_scheme(settings, station.key.public_key_hex),
        printer=station.print_queue,
        printer_target=target,
        facility=settings.station_name,
        os_printers=os_printer.printer_names if os_printer is not None else None,
    )


def pallet_id_scheme(settings: Settings, public_key_hex: str) -> PalletIdScheme:
    """Pallet numbering with this station's code in every ID (``PalletIdScheme``): the
    configured ``pallet_station_code``, or for internal IDs one derived from the station key."""
    code = settings.pallet_station_code
    if not code and not settings.gs1_company_prefix:
        code = derived_station_code(bytes.fromhex(public_key_hex))
    return PalletIdScheme(gs1_company_prefix=settings.gs1_company_prefix, station_code=code)


def _wire_sync(station: Station, hlc: HybridLogicalClock) -> None:
    """The sync engine and its worker (not started: ``run_gui`` starts it)."""
    store = SqliteSyncStore(station.database.engine)
    engine = SyncEngine(
        store,
        station.key,
        station.station_id,
        client_factory=SyncClient,
        hlc=hlc,
        server_url_override=station.settings.server_url,
        blobs=SqliteBlobOutbox(
            station.database.engine, BlobStore(station.settings.data_dir / BLOBS_DIR_NAME)
        ),
        app_version=__version__,
    )
    station.sync_worker = SyncWorker(engine, store, station_name=station.settings.station_name)
    station.sync = SyncService(station.sync_worker, station.operators, station.events)


@dataclass
class StationDevices:
    """The running device manager (and, in demo mode, the simulators it reads from)."""

    manager: DeviceManager
    setup: DeviceSetupService
    simulated: SimulatedDevices | None = None

    def close(self) -> None:
        """Stop the port workers first (they own the ports), then the simulators."""
        self.manager.close()
        if self.simulated is not None:
            self.simulated.close()


def start_devices(
    station: Station,
    sink: Callable[[DeviceEvent], None],
    *,
    demo_scan_interval_s: float = DEMO_SCAN_INTERVAL_S,
) -> StationDevices:
    """Start a port worker per configured device; events go to ``sink`` from worker threads.

    Demo mode starts a fake serial scanner (scanning the demo manifest's serial numbers) and a
    fake Mercury reader on pseudo-terminals and runs those instead of the configured devices;
    the device list is saved inside the throwaway data directory.
    """
    manager = DeviceManager(sink)
    simulated: SimulatedDevices | None = None
    if station.demo:
        simulated = start_demo_devices(DEMO_SCAN_VALUES, scan_interval_s=demo_scan_interval_s)
        configs = simulated.configs
        store = DeviceSettingsFile(station.settings.data_dir / "demo-config.toml")
    else:
        configs = station.settings.devices
        store = DeviceSettingsFile(default_config_path())
    devices = StationDevices(
        manager=manager,
        setup=DeviceSetupService(manager, store, station.operators),
        simulated=simulated,
    )
    try:
        manager.configure(configs)
    except BaseException:
        devices.close()
        raise
    return devices


def demo_settings(base: Settings) -> Settings:
    """Demo mode: a throwaway data directory, so the real station is never touched."""
    return base.with_data_dir(Path(tempfile.mkdtemp(prefix="itad-station-demo-")))


def station_info(station: Station) -> StationInfo:
    return StationInfo(
        station_id=station.station_id,
        station_name=station.settings.station_name,
        facility_id=station.settings.facility_id,
        data_dir=station.settings.data_dir,
        config_path=default_config_path(),
        server_url=station.settings.server_url,
        software_version=__version__,
        public_key_hex=station.key.public_key_hex,
        demo=station.demo,
    )


def verify_ledger_read_only(data_dir: Path) -> VerifyReport:
    """Verify the ledger in ``data_dir`` without locking it (works while a window is open)."""
    engine = open_read_only_engine(data_dir)
    try:
        key = StationKey.load(data_dir / KEY_FILE_NAME)
        station_id = StationMetaRepository(engine).get("station_id")
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ledger-verify") as pool:
            return verify_rows(
                LedgerReader(engine).iter_rows(),
                key.public_key,
                station_id=station_id,
                executor=pool,
            )
    finally:
        engine.dispose()


DEMO_SIGN_IN_HINT = "Demo badges — type one or pick the name:\n" + "\n".join(
    f"  {op.badge}   {op.display_name} ({op.role.value}), PIN {op.pin}" for op in DEMO_OPERATORS
)


def _qt_app() -> QApplication:
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 - Qt only for GUI commands

    from app.ui.gui_gc import GuiThreadGarbageCollector  # noqa: PLC0415
    from app.ui.theme import STYLE_SHEET  # noqa: PLC0415

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ITAD Intake Station")
    app.setStyleSheet(STYLE_SHEET)
    from PySide6.QtGui import QIcon  # noqa: PLC0415

    from app.resource_files import resource_path  # noqa: PLC0415

    app.setWindowIcon(QIcon(str(resource_path("icons", "itad-station-256.png"))))
    if app.findChild(GuiThreadGarbageCollector) is None:
        # Worker threads (DB, ports) must never be the ones that collect Qt garbage.
        GuiThreadGarbageCollector(parent=app)
    return app  # type: ignore[return-value]


def run_gui(settings: Settings, *, demo: bool = False) -> int:
    """Start the station window; returns the process exit code."""
    from PySide6.QtWidgets import QDialog, QMessageBox  # noqa: PLC0415

    from app.ui.device_event_bridge import DeviceEventBridge  # noqa: PLC0415
    from app.ui.os_printer import QtOsPrinter  # noqa: PLC0415
    from app.ui.sign_in_dialog import SignInDialog  # noqa: PLC0415
    from app.ui.task_runner import TaskRunner  # noqa: PLC0415
    from app.ui.wedge_filter import WedgeScanFilter  # noqa: PLC0415

    app = _qt_app()
    try:
        station = open_station(
            demo_settings(settings) if demo else settings, demo=demo, os_printer=QtOsPrinter()
        )
    except UserFacingError as exc:
        QMessageBox.critical(None, "ITAD Station cannot start", exc.message)
        return 2
    if station.operators.operators() == []:
        QMessageBox.information(
            None,
            "ITAD Station — first start",
            "No operators are enrolled yet. Enrol the first administrator with:\n\n"
            f"itad-station add-operator --data-dir {settings.data_dir} "
            "--role admin --name 'Your Name' --badge YOUR-BADGE",
        )
        station.close()
        return 2
    runner = TaskRunner()
    bridge = DeviceEventBridge()
    devices = start_devices(station, bridge.post)
    window = _main_window(station, runner, devices, bridge)
    window.resize(1280, 800)
    wedge = WedgeScanFilter(app)
    wedge.scan_received.connect(window.on_wedge_scan_received)
    app.installEventFilter(wedge)

    def ask_sign_in() -> None:
        dialog = SignInDialog(
            station.operators, runner, hint=DEMO_SIGN_IN_HINT if demo else "", parent=window
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            window.set_operator(dialog.operator)
        else:
            window.close()

    window.sign_out_completed.connect(ask_sign_in)
    window.show()
    if station.sync_worker is not None:
        station.sync_worker.start()
    ask_sign_in()
    code = app.exec() if window.isVisible() else 0
    app.removeEventFilter(wedge)
    devices.close()
    runner.shutdown()
    # The DB worker has stopped, so this thread may write: record the end of the session.
    station.operators.sign_out(reason="station closed")
    station.close()
    return code


def screenshot(
    settings: Settings, *, page: str, out: Path, demo: bool, size: tuple[int, int]
) -> int:
    """Render the main window offscreen with ``page`` showing and save it as a PNG."""
    import os  # noqa: PLC0415

    from app.ui.page_names import PAGE_NAMES  # noqa: PLC0415

    if page not in PAGE_NAMES:
        print(
            f"itad-station: unknown page {page!r}; pages: {', '.join(PAGE_NAMES)}", file=sys.stderr
        )
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.device_event_bridge import DeviceEventBridge  # noqa: PLC0415
    from app.ui.os_printer import QtOsPrinter  # noqa: PLC0415
    from app.ui.task_runner import TaskRunner  # noqa: PLC0415

    app = _qt_app()
    station = open_station(
        demo_settings(settings) if demo else settings, demo=demo, os_printer=QtOsPrinter()
    )
    runner = TaskRunner()
    bridge = DeviceEventBridge()
    devices = start_devices(station, bridge.post, demo_scan_interval_s=SCREENSHOT_SCAN_INTERVAL_S)
    try:
        operator = None
        if demo:
            supervisor = DEMO_OPERATORS[1]
            operator = station.operators.sign_in_with_badge(supervisor.badge, supervisor.pin)
        window = _main_window(station, runner, devices, bridge)
        window.resize(*size)
        window.show()
        window.set_operator(operator)
        if station.sync_worker is not None:
            station.sync_worker.start()  # real sync state (and a real sync, when enrolled)
        window.show_page(page)
        deadline = time.monotonic() + 15
        while (
            runner.pending or not window.isVisible() or not _devices_settled(window, demo)
        ) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        if demo and page == "grading" and window.grading_page is not None:
            _show_grading_in_progress(app, runner, window.grading_page)
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out), "PNG"):
            print(f"itad-station: could not write {out}", file=sys.stderr)
            return 2
        print(f"Wrote {out} ({size[0]}x{size[1]}, page {page})")
        window.close()
        return 0
    finally:
        devices.close()
        runner.shutdown()
        if station.operators.current is not None:
            station.operators.sign_out(reason="screenshot taken")
        station.close()


def _main_window(
    station: Station, runner: TaskRunner, devices: StationDevices, bridge: DeviceEventBridge
) -> MainWindow:
    from app.ui.main_window import MainWindow  # noqa: PLC0415

    return MainWindow(
        station_info(station),
        station.operators,
        station.custody_log,
        runner,
        devices=devices.setup,
        device_events=bridge,
        sync=station.sync,
        receiving=station.receiving,
        custody=station.custody,
        samples_dir=_samples_dir(),
        grading=station.grading,
        sanitization=station.sanitization,
        palletizing=station.palletizing,
    )


def _samples_dir() -> Path | None:
    """The sample manifests a newcomer can import (``resources/samples``), if shipped."""
    from app.resource_files import ResourcesMissing, resource_path  # noqa: PLC0415

    try:
        path = resource_path("samples")
    except ResourcesMissing:
        return None
    return path if path.is_dir() else None


def _show_grading_in_progress(app: QApplication, runner: TaskRunner, page: GradingPage) -> None:
    """For a screenshot: a wiped demo laptop scanned and half graded by keyboard."""
    from PySide6.QtCore import Qt  # noqa: PLC0415
    from PySide6.QtTest import QTest  # noqa: PLC0415

    page.look_up(DEMO_WIPED_SERIALS[0])
    deadline = time.monotonic() + 10
    while (runner.pending or page.checklist.rowCount() == 0) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    view = page.checklist_view
    QTest.keyClicks(view, "PPPPPPPP87")  # eight passes, then battery health 87 %
    QTest.keyClick(view, Qt.Key.Key_Return)
    QTest.keyClicks(view, "PFB")  # AC adapter pass, USB fail, cosmetic B


def _devices_settled(window: MainWindow, demo: bool) -> bool:
    """For a screenshot: every device has reported in and, in demo mode, scans have arrived."""
    states = window.devices_page.model.states()
    if any(state is None or state is DeviceState.CONNECTING for state in states):
        return False
    if not demo:
        return True
    activity = window.devices_page.activity
    whats = [activity.row_at(row).what for row in range(activity.rowCount())]
    return whats.count("Scan") >= 3 and "Tag arrived" in whats


def self_test() -> int:
    """Check an installed or frozen station end to end, with no hardware, server or display.

    Finds ``resources/``, opens a serial backend (``loop://``), renders a PDF with reportlab,
    creates a throwaway station (key, database, migrations, an operator), renders the main window
    offscreen and verifies the ledger. Prints one line per check; exit 0 only if all pass.
    """
    ok = _self_test_runtime_parts() and _self_test_station_window()
    print("self-test OK" if ok else "self-test FAILED")
    return 0 if ok else 1


def _self_test_runtime_parts() -> bool:
    import io  # noqa: PLC0415

    import serial  # noqa: PLC0415
    from reportlab.pdfgen.canvas import Canvas  # noqa: PLC0415

    from app.resource_files import resource_path  # noqa: PLC0415

    icon = resource_path("icons", "itad-station-256.png")
    print(f"resources: {icon.parent.parent} ({icon.stat().st_size} byte icon)")
    port = serial.serial_for_url("loop://", timeout=1)
    port.write(b"PING\r\n")
    echoed = port.read_until(b"\r\n")
    port.close()
    if echoed != b"PING\r\n":
        print(f"serial: loop:// echoed {echoed!r}", file=sys.stderr)
        return False
    print("serial: pyserial loop:// backend works")
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "ITAD Station self-test")
    canvas.save()
    print(f"reportlab: rendered a {len(buffer.getvalue())} byte PDF")
    from app.documents.pallet_label import (  # noqa: PLC0415
        LabelSize,
        PalletLabelData,
        pallet_label_layout,
        render_pdf,
        render_zpl,
    )

    # Labels load barcode symbologies by name at run time: what a frozen bundle may miss.
    label = pallet_label_layout(
        PalletLabelData(
            pallet_id="106141411234567897",
            is_sscc=True,
            pallet_type="Resale",
            destination="Self-test",
            piece_count=1,
            weight="1.0 kg",
            sealed_by="Self Test",
            sealed_at="now",
            seal_numbers=("S-1",),
            lithium=True,
        ),
        LabelSize.PALLET_4X6,
    )
    label_pdf = render_pdf([label])
    label_zpl = render_zpl(label)
    print(f"labels: {len(label_pdf)} byte PDF and {len(label_zpl)} byte ZPL pallet label")
    return buffer.getvalue().startswith(b"%PDF") and label_pdf.startswith(b"%PDF")


def _self_test_station_window() -> bool:
    import os  # noqa: PLC0415

    from app.domain.roles import Role  # noqa: PLC0415

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.ui.device_event_bridge import DeviceEventBridge  # noqa: PLC0415
    from app.ui.task_runner import TaskRunner  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="itad-station-self-test-") as tmp:
        station = open_station(Settings(data_dir=Path(tmp) / "station", station_name="self-test"))
        app = _qt_app()
        runner = TaskRunner()
        bridge = DeviceEventBridge()
        devices = start_devices(station, bridge.post)
        try:
            station.operators.enrol(
                display_name="Self Test", badge="SELF-TEST", role=Role.ADMIN, pin="246810"
            )
            operator = station.operators.sign_in_with_badge("SELF-TEST", "246810")
            window = _main_window(station, runner, devices, bridge)
            window.resize(1024, 700)
            window.show()
            window.set_operator(operator)
            deadline = time.monotonic() + 15
            while runner.pending and time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.01)
            rows = window.custody_log_page.model.rowCount()
            image = window.grab().toImage()
            window.close()
            print(f"window: {image.width()}x{image.height()}, custody log shows {rows} events")
            station.operators.sign_out(reason="self-test finished")
            report = station.custody_log.verify_unattended()
            print(f"ledger: {report.summary()}")
        finally:
            devices.close()
            runner.shutdown()
            station.close()
    return report.ok and rows >= 3 and not image.isNull()


def backup_station(data_dir: Path, out_dir: Path) -> Path:
    """Copy a station's database (SQLite online backup: safe while the station runs) and its
    key into ``out_dir``, which must not exist yet. Returns ``out_dir``; restoring is using it
    as a data directory (check it with ``verify-ledger``)."""
    import shutil  # noqa: PLC0415

    from app.storage.database import DB_FILE_NAME, backup_database  # noqa: PLC0415

    source_db = data_dir / DB_FILE_NAME
    open_read_only_engine(data_dir).dispose()  # refuses a missing, corrupt or too-new file
    out_dir.mkdir(parents=True, exist_ok=False)
    out_dir.chmod(0o700)
    backup_database(source_db, out_dir / DB_FILE_NAME)
    key_copy = out_dir / KEY_FILE_NAME
    shutil.copy2(data_dir / KEY_FILE_NAME, key_copy)
    key_copy.chmod(0o600)
    return out_dir
