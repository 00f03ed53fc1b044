"""`directory-admin taxonomy unmapped` lists the terms that leave listings without any category, those leaving
the most first, with how many listings each leaves uncategorized and carries; a term on listings that another
term already categorises comes after them, and target populations are not listed (they are shown, not mapped)."""

import csv

import pytest
from click.testing import CliRunner

from server.cli import directory_group
from tests.directory import region_airs


def cli(*args: str):
    return CliRunner().invoke(directory_group, list(args))


def _add_unmapped_terms(package) -> None:
    """Two more services tagged only with a term the table does not map (AIRS DT-8800 Tax Preparation), and the
    food pantry (which has a category) tagged with another (JR-8200 Safety Education)."""
    data = package / "data"
    rows = {
        "organizations.csv": [{"id": f"org-t{i}", "name": f"Tax Help {i}"} for i in (1, 2)],
        "services.csv": [
            {"id": f"t{i}", "organization_id": f"org-t{i}", "name": f"Free Tax Clinic {i}", "status": "active"}
            for i in (1, 2)
        ],
        "taxonomy.csv": [
            {"id": "DT-8800", "name": "Tax Preparation Assistance", "vocabulary": "AIRS"},
            {"id": "JR-8200", "name": "Safety Education", "vocabulary": "AIRS"},
        ],
        "services_taxonomy.csv": [{"id": f"st-t{i}", "service_id": f"t{i}", "taxonomy_id": "DT-8800"} for i in (1, 2)]
        + [{"id": "st-s1-safety", "service_id": "s1", "taxonomy_id": "JR-8200"}],
    }
    for file_name, new_rows in rows.items():
        with (data / file_name).open(newline="") as handle:
            header = next(csv.reader(handle))
        with (data / file_name).open("a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=header, restval="").writerows(new_rows)


@pytest.fixture
def imported(tmp_path):
    package = region_airs.write_package(tmp_path / "columbus-211")
    _add_unmapped_terms(package)
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    return package


def table(output: str) -> list[tuple[int, int, str, str]]:
    """(uncategorized listings, listings, code, name) for each term row of the command's table."""
    rows = []
    for line in output.splitlines():
        cells = line.split(None, 4)
        if len(cells) == 5 and cells[0].replace(",", "").isdigit() and cells[1].replace(",", "").isdigit():
            rows.append((int(cells[0].replace(",", "")), int(cells[1].replace(",", "")), cells[2], cells[4]))
    return rows


def test_terms_are_listed_by_the_listings_they_leave_without_a_category(imported):
    result = cli("taxonomy", "unmapped")
    assert result.exit_code == 0, result.output
    assert "6 terms used by services map to no category" in result.output
    assert table(result.output) == [
        (2, 2, "DT-8800", "Tax Preparation Assistance"),
        (1, 1, "BT-8750.1400", "Consulates"),
        (1, 1, "BT-8750.1800", "Roadside Assistance"),
        # Sunrise Senior Center's only other term is a population: it has no category either.
        (1, 1, "TC-5500.8000", "Senior Centers"),
        (1, 1, "ZZ-1234", "Assistive Technology Repair"),
        # On the food pantry only, which its food term already categorises.
        (0, 1, "JR-8200", "Safety Education"),
    ]
    assert "Veterans" not in result.output and "Older Adults" not in result.output


def test_mapping_a_term_takes_it_off_the_list_and_the_limit_says_how_many_more(imported):
    assert cli("taxonomy", "map", "DT-8800", "benefits").exit_code == 0
    result = cli("taxonomy", "unmapped", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert [row[2] for row in table(result.output)] == ["BT-8750.1400", "BT-8750.1800"]
    assert "… and 3 more (--limit)" in result.output
