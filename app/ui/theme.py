"""The station's look: large, high-contrast type for a warehouse bench (gloves, glare,
arm's-length screens)."""

STYLE_SHEET = """
QWidget { font-size: 14px; color: #1d2430; }
QMainWindow, QDialog { background: #f4f6f9; }
#nav { background: #1f2a3a; color: #e8edf4; border: none; outline: 0; font-size: 16px;
       padding-top: 8px; }
#nav::item { padding: 12px 18px; border-left: 4px solid transparent; }
#nav::item:selected { background: #2f3e55; border-left: 4px solid #4fa3ff; color: white; }
#nav::item:hover { background: #293649; }
#brand { background: #1f2a3a; color: white; font-size: 17px; font-weight: 600; padding: 14px 18px; }
#demoBanner { background: #ffcc4d; color: #3a2c00; font-weight: 600; padding: 6px 14px; }
#pageTitle { font-size: 24px; font-weight: 600; padding: 4px 0 8px 0; }
#muted { color: #5b6678; }
#sectionTitle { font-size: 17px; font-weight: 600; padding: 2px 0; }
#notBuilt { background: #fff7e0; border: 1px solid #f0d48a; border-radius: 6px; padding: 14px;
            color: #5a4500; font-size: 15px; }
#error { color: #b3261e; font-weight: 600; }
#verdictNeutral { background: #e9edf3; border-radius: 6px; padding: 10px; }
#verdictOk { background: #dff5e3; color: #0f5c23; border: 1px solid #86d19a; border-radius: 6px;
             padding: 10px; font-weight: 600; }
#verdictBroken { background: #fde2e0; color: #8c1d18; border: 1px solid #f09a93;
                 border-radius: 6px; padding: 10px; font-weight: 700; }
QPushButton { padding: 7px 16px; border: 1px solid #b9c2cf; border-radius: 5px; background: white; }
QPushButton:hover { background: #eef3fa; }
QPushButton:disabled { color: #9aa3ae; background: #f3f5f8; border-color: #d9dee5; }
QPushButton#primary { background: #1f6fd1; color: white; border-color: #1f6fd1; font-weight: 600; }
QPushButton#primary:disabled { background: #8fb3e3; border-color: #8fb3e3; }
QLineEdit, QComboBox, QDateTimeEdit { padding: 5px; border: 1px solid #b9c2cf; border-radius: 4px;
                                     background: white; }
QTableView { background: white; alternate-background-color: #f6f8fb; gridline-color: #e3e7ee;
             selection-background-color: #cfe3ff; selection-color: #1d2430; }
QHeaderView::section { background: #e9edf3; padding: 6px; border: none;
                       border-right: 1px solid #d5dbe4; font-weight: 600; }
QPlainTextEdit { background: white; border: 1px solid #d5dbe4; }
QStatusBar { background: #1f2a3a; color: #e8edf4; }
QStatusBar QLabel { color: #e8edf4; padding: 2px 10px; }
#scanField { font-size: 18px; }
#assetCard { font-size: 15px; padding: 2px 0; }
#gradingNotice { background: #e8f1fc; border: 1px solid #a9c8ef; border-radius: 5px; padding: 6px; }
#gradingRefusal { background: #fde2e0; color: #8c1d18; border: 1px solid #f09a93;
                  border-radius: 5px; padding: 6px; font-weight: 600; }
#savedStatus { color: #0f5c23; font-weight: 600; }
QPushButton#cosmeticButton { font-size: 22px; font-weight: 600; padding: 4px 6px; }
QPushButton#cosmeticButton:checked { background: #1f6fd1; color: white; border-color: #1f6fd1;
                                     font-weight: 700; }
"""
