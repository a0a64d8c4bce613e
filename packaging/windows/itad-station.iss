; Inno Setup script for the ITAD Intake Station bundle (build the bundle on Windows first:
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -e .[packaging]
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist packaging\pyinstaller\itad-station.spec
; then compile this script with ISCC.exe packaging\windows\itad-station.iss).
;
; Per-machine install in Program Files, a Start-menu entry, and a choice of where station data
; lives: the signed-in user's app data (default: %LOCALAPPDATA%\itad-station\itad-station), or one
; shared folder for every user of the PC (%PROGRAMDATA%\ITAD Station), set machine-wide through
; ITAD_STATION_DATA_DIR, which the station reads at start-up (see README "Where data lives").

#define AppName "ITAD Intake Station"
#define AppVersion "0.1.0"
#define AppExe "itad-station.exe"

[Setup]
AppId={{6F2E5B1C-3C1D-4E5A-9B7E-1D2C3B4A5F60}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=ITAD Intake Station contributors
DefaultDirName={autopf}\ITAD Station
DefaultGroupName={#AppName}
PrivilegesRequired=admin
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=itad-station-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
LicenseFile=..\..\LICENSE
ChangesEnvironment=yes
UninstallDisplayIcon={app}\{#AppExe}

[Tasks]
Name: "shareddata"; Description: "Keep station data in one folder for all users of this PC (%PROGRAMDATA%\ITAD Station)"; Flags: unchecked
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Files]
Source: "..\..\dist\itad-station\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; Users must be able to write the shared ledger; the station key inside stays owner-only.
Name: "{commonappdata}\ITAD Station"; Permissions: users-modify; Tasks: shareddata

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; \
  ValueType: expandsz; ValueName: "ITAD_STATION_DATA_DIR"; ValueData: "{commonappdata}\ITAD Station"; \
  Flags: uninsdeletevalue; Tasks: shareddata

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"
Name: "{group}\Verify the ledger"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#AppExe}"" verify-ledger"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation..."
Filename: "{app}\{#AppExe}"; Parameters: "gui"; Description: "Start {#AppName}"; Flags: nowait postinstall skipifsilent

; Uninstalling never deletes station data: the ledger is evidence.
