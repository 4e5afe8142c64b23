"""The course on disk and the nbgrader steps run on it (trainer side)."""

from __future__ import annotations

import base64
import mimetypes
import re
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat

from graders.content.release_data import RELEASE_DATA
from graders.content.scenarios import ScenarioError, load_all
from graders.content.schema import Scenario
from graders.course.paths import RESPONSES_DIR
from graders.course.settings import SETTINGS_FILE, Settings, load_settings

PLAY_CALL = re.compile(r'^\s*play\("([^"]+)"\)\s*$', re.M)
GRADE_CALL = re.compile(r'grade\("([^"]+)",\s*"([^"]+)"\)')


SOURCE_FILES = ("curriculum", "client-handouts", "staff-handouts", "scenarios", "jurisdictions", "branding",
                "course.yaml", "nbgrader_config.py")


def copy_sources(root: Path, dest: Path) -> Path:
    """A copy of a course's sources (no build/, no saved answers): for tests and benchmarks."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCE_FILES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(RESPONSES_DIR, ".ipynb_checkpoints"))
        else:
            shutil.copy(src, dest / name)
    return dest


class CourseError(RuntimeError):
    """Something in the course's sources is wrong; the message says what and where."""


@dataclass
class Course:
    root: Path

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.root)

    def logo_uri(self) -> str:
        """The clinic's logo as a data URI ("" if none), so a page needs no other file."""
        logo = self.settings.clinic.logo
        if not logo:
            return ""
        path = self.root / logo
        if not path.is_file():
            raise CourseError(f"{path}: the clinic's logo (clinic.logo in {SETTINGS_FILE}) is missing")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"

    @property
    def scenarios_dir(self) -> Path:
        return self.root / "scenarios"

    @property
    def curriculum_dir(self) -> Path:
        return self.root / "curriculum"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def step_dir(self, step: str) -> Path:
        """build/release, build/submitted, build/autograded or build/feedback."""
        return self.build_dir / step

    @property
    def modules(self) -> list[str]:
        """Module folders with a notebook: those course.yaml lists, in its order, then any others by name."""
        found = {p.name for p in self.curriculum_dir.iterdir() if (p / f"{p.name}.ipynb").is_file()}
        listed = [m for m in self.settings.modules if m in found]
        return listed + sorted(found - set(listed))

    def source_notebook(self, module: str) -> Path:
        return self.curriculum_dir / module / f"{module}.ipynb"

    def scenarios(self) -> dict[str, Scenario]:
        """Every scenario, as this course's state has it (course.yaml `jurisdiction`)."""
        return load_all(self.scenarios_dir, self.settings.state)

    def module_scenarios(self, module: str) -> list[Scenario]:
        """The module's graded scenarios (practice ones are never graded or reported)."""
        return [s for s in self.scenarios().values() if s.module == module and not s.practice]

    # -- checks -------------------------------------------------------------------------

    def check_sources(self) -> list[str]:
        """Every problem in scenarios and notebooks, each naming its file."""
        try:
            scenarios = self.scenarios()
        except ScenarioError as err:
            return str(err).splitlines()
        modules = self.modules
        problems = [f"{self.root / 'course.yaml'}: field 'modules': {m!r} has no notebook "
                    f"curriculum/{m}/{m}.ipynb" for m in self.settings.modules if m not in modules]
        problems += self._check_training_settings(modules)
        try:
            self.logo_uri()
        except CourseError as err:
            problems.append(str(err))
        played_anywhere: set[str] = set()
        for module in modules:
            problems += self._check_notebook(module, scenarios, played_anywhere)
        for scenario in scenarios.values():
            if scenario.id not in played_anywhere:
                problems.append(f"{self.scenarios_dir / (scenario.id + '.yaml')}: no notebook plays it "
                                f"(expected play(\"{scenario.id}\") in curriculum/{scenario.module}/)")
        return problems

    def _check_training_settings(self, modules: list[str]) -> list[str]:
        """Roles and module versions in course.yaml name modules the course has."""
        where, settings = self.root / SETTINGS_FILE, self.settings
        problems = [f"{where}: field 'roles.{role_id}.modules': {m!r} is not a module of this course "
                    f"({', '.join(modules)})"
                    for role_id, role in settings.roles.items() for m in role.modules or [] if m not in modules]
        return problems + [f"{where}: field 'module_versions': {m!r} is not a module of this course"
                           for m in settings.module_versions if m not in modules]

    def required_modules(self, role_id: str | None = None) -> list[str]:
        """The modules a person must complete, in course order: their role's (course.yaml `roles`), else
        those course.yaml lists, else every module."""
        settings = self.settings
        if role_id and settings.roles and role_id not in settings.roles:
            raise CourseError(f"role {role_id!r} is not one of the roles in {self.root / SETTINGS_FILE} "
                              f"({', '.join(settings.roles)}): add it there, or give the person another role")
        wanted = (settings.role(role_id).modules if role_id else None) or settings.modules or self.modules
        return [m for m in self.modules if m in wanted]

    def _check_notebook(self, module: str, scenarios: dict[str, Scenario], played_anywhere: set[str]) -> list[str]:
        path = self.source_notebook(module)
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as err:  # nbformat raises several unrelated types
            return [f"{path}: not a valid notebook: {err}"]
        problems = []
        if (path.parent / RESPONSES_DIR).exists():
            problems.append(f"{path.parent / RESPONSES_DIR}: answers saved in a source folder would be released "
                            "to every learner; delete this folder (it holds a trainer's test clicks)")
        tests: dict[tuple[str, str], float] = {}
        played: list[str] = []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            played += PLAY_CALL.findall(cell.source)
            for call in GRADE_CALL.findall(cell.source):
                if not meta.get("grade"):
                    problems.append(f"{path}: cell {meta.get('grade_id', cell.get('id'))}: grade{call} "
                                    "is in a cell that is not an nbgrader test cell")
                tests[call] = float(meta.get("points", 0))
        for scenario_id in played:
            scenario = scenarios.get(scenario_id)
            if scenario is None:
                problems.append(f"{path}: play(\"{scenario_id}\"): no file scenarios/{scenario_id}.yaml")
                continue
            if scenario.module != module:
                problems.append(f"{path}: play(\"{scenario_id}\"): that scenario's module is "
                                f"{scenario.module!r}, expected {module!r}")
            played_anywhere.add(scenario_id)
            if scenario.practice:
                continue
            for step in scenario.steps:
                points = tests.pop((scenario_id, step.id), None)
                if points is None:
                    problems.append(f"{path}: no test cell grade(\"{scenario_id}\", \"{step.id}\") "
                                    f"with {step.points:g} points")
                elif points != step.points:
                    problems.append(f"{path}: test cell for {scenario_id}/{step.id} has {points:g} points; "
                                    f"the scenario file says {step.points:g}")
        for scenario_id, step_id in tests:
            practice = scenario_id in scenarios and scenarios[scenario_id].practice
            problems.append(f"{path}: test cell grade(\"{scenario_id}\", \"{step_id}\") "
                            + ("grades a practice scenario; practice is never graded: delete the cell" if practice
                               else "matches no played scenario step"))
        return problems

    # -- nbgrader ---------------------------------------------------------------------------

    def nbgrader_config(self, **overrides: object):  # -> traitlets Config
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        for dotted, value in overrides.items():
            section, name = dotted.split("__")
            config[section][name] = value
        return config

    def nbgrader_api(self, **overrides: object):  # -> nbgrader.apps.NbGraderAPI
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        _quiet_sqlalchemy()
        config = self.nbgrader_config(**overrides)
        return NbGraderAPI(CourseDirectory(config=config), config=config)

    @property
    def gradebook_url(self) -> str:
        """The gradebook nbgrader uses: course.yaml's PostgreSQL one, else build/gradebook.db."""
        return self.settings.gradebook or f"sqlite:///{self.build_dir / 'gradebook.db'}"

    @property
    def shared_gradebook(self) -> bool:
        """A database server that several writers may use at once (PostgreSQL), not a SQLite file."""
        return self.settings.gradebook is not None

    def has_gradebook(self) -> bool:
        """Whether anything was ever put in the gradebook (for SQLite: its file exists)."""
        if not self.shared_gradebook:
            return (self.build_dir / "gradebook.db").exists()
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.gradebook_url)
        try:
            with engine.connect() as connection:
                return sqlalchemy.inspect(connection).has_table("assignment")
        finally:
            engine.dispose()

    def gradebook(self, db: Path | None = None):  # -> nbgrader.api.Gradebook (a context manager)
        """nbgrader's Gradebook for this course: the main one, or the SQLite file `db`."""
        from nbgrader.api import Gradebook

        _quiet_sqlalchemy()
        return Gradebook(f"sqlite:///{db}" if db else self.gradebook_url, self.settings.course_id)

    def release(self, api, module: str) -> Path:
        """nbgrader generate_assignment, then check the key-free scenario data arrived."""
        result = api.generate_assignment(module, force=True)
        if not result["success"]:
            raise CourseError(f"nbgrader generate_assignment {module} failed: {nbgrader_reason(result)}")
        folder = Path(api.coursedir.format_path(api.coursedir.release_directory, ".", module))
        if not (folder / RELEASE_DATA).exists():
            raise CourseError(f"{folder}: {RELEASE_DATA} missing after generate_assignment (post_convert_hook)")
        return folder

    def submission_dir(self, learner: str, module: str) -> Path:
        return self.step_dir("submitted") / learner / module

    def submit_copy(self, release_folder: Path, dest: Path) -> Path:
        """Start a submission from the released files (what a learner downloads)."""
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(release_folder, dest)
        return dest


def nbgrader_reason(result: dict) -> str:
    """The line of an nbgrader API result that says what went wrong (its 'error' only says
    'see the above traceback'), else the whole log."""
    text = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    reasons = [line.strip() for line in text.splitlines() if re.match(r"\s*\w+(Error|Exception): ", line)
               and "above traceback" not in line]
    return reasons[-1] if reasons else text.strip()


def _quiet_sqlalchemy() -> None:
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own session use, not ours
