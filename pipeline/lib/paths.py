"""Where the project's own files live (config, SQL, templates, reference data)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"
SQL_DIR = PROJECT_ROOT / "sql"
TEMPLATES_DIR = PROJECT_ROOT / "reports" / "templates"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
