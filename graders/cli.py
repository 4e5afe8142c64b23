"""The `course` command: build, grade, handouts and a full demo, for trainers and clinics."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.table import Table

from graders.course.course import Course, CourseError
from graders.course.paths import COURSE_ROOT_ENV, CourseNotFound, course_root, is_course_root
from graders.course.progress import console


def open_course(root: Path | None, build_edition: bool = False) -> Course:
    """The course in --root (default: found from here); with --jurisdiction, that state's edition
    of it (made first when `build_edition`)."""
    if root is not None:
        if not is_course_root(root):
            raise click.ClickException(f"{root} is not a course folder (no nbgrader_config.py and scenarios/)")
        course = Course(root.resolve())
    else:
        try:
            course = Course(course_root(Path.cwd()))
        except CourseNotFound as err:
            raise click.ClickException(str(err)) from None
    state = click.get_current_context().meta.get("jurisdiction")
    return course if state is None else open_edition(course, state, build_edition)


def open_edition(course: Course, state: str, build_edition: bool) -> Course:
    from graders.course.editions import edition_root, make_edition

    if state == course.settings.state:
        return course
    if build_edition:
        try:
            edition, notes = make_edition(course, state)
        except CourseError as err:
            raise click.ClickException(str(err)) from None
        for note in notes:
            console.print(f"[yellow]note[/]: {note}")
        console.print(f"The {state} edition: {edition.root} (a course folder of its own)")
        return edition
    folder = edition_root(course, state)
    if not (folder / "course.yaml").exists():
        raise click.ClickException(f"no {state} edition yet: run `course build --jurisdiction {state}` first")
    return Course(folder)


def remember_jurisdiction(ctx: click.Context, _param, value: str | None) -> None:
    if value:
        ctx.meta["jurisdiction"] = value.upper()


jurisdiction_option = click.option(
    "--jurisdiction", metavar="STATE", expose_value=False, callback=remember_jurisdiction, is_eager=True,
    help="Another state's edition (course.yaml `editions:`, e.g. CA), in build/editions/STATE/.  "
         "[default: course.yaml's state]")


def chosen_modules(course: Course, modules: tuple[str, ...]) -> list[str]:
    """The modules named with --module (default: all), each checked to exist, in the course's order."""
    unknown = sorted(set(modules) - set(course.modules))
    if unknown:
        raise click.BadParameter(f"no module {', '.join(unknown)}; the course has: {', '.join(course.modules)}",
                                 param_hint="--module")
    return [m for m in course.modules if m in modules] or course.modules


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), envvar=COURSE_ROOT_ENV,
    help="The course folder (holds nbgrader_config.py, curriculum/, scenarios/). Default: found from here.",
)


class CourseCommands(click.Group):
    """`course`'s commands, with a gradebook server that cannot be reached said in one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as err:
            if type(err).__name__ != "OperationalError" or not type(err).__module__.startswith("sqlalchemy"):
                raise
            reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
            raise click.ClickException(f"cannot reach the gradebook (course.yaml `gradebook:`): {reason}") from None


@click.group(cls=CourseCommands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, grade and publish the confidentiality training course (nbgrader underneath)."""
    # nbgrader runs the `alembic` executable when it creates a gradebook: find ours first.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ["PATH"]


@main.command()
@root_option
def check(root: Path | None) -> None:
    """Validate every scenario file, module notebook and jurisdiction file, and each state's edition
    (course.yaml `editions:`); print each problem with its file, and facts not verified for a year."""
    from graders.course.editions import edition_problems
    from graders.publish.gate import check as publish_gate

    course = open_course(root)
    state_problems, warnings = edition_problems(course)
    for warning in warnings:
        console.print(f"[yellow]warning[/]: {warning}")
    problems = course.check_sources() + publish_gate(course.root) + state_problems
    if problems:
        raise click.ClickException("the course sources have problems:\n  " + "\n  ".join(problems))
    editions = "".join(f"; the {state} edition: {len(e.modules)} module(s)"
                       for state, e in sorted(course.settings.editions.items()))
    console.print(f"[green]OK[/]: {len(course.scenarios())} scenarios in {len(course.modules)} module(s) "
                  f"({course.settings.law}){editions}.")


@main.command()
@root_option
@jurisdiction_option
@click.option("--module", "modules", multiple=True, help="Only this module (repeatable). Default: all.")
@click.option("--no-selftest", is_flag=True, help="Skip the key self-test (faster; not for publishing).")
def build(root: Path | None, modules: tuple[str, ...], no_selftest: bool) -> None:
    """Validate sources, release each module to build/release with nbgrader, and self-test every key
    (the key's answers must score full marks, an empty submission zero)."""
    from graders.grading.build import build as run_build

    course = open_course(root, build_edition=True)
    try:
        results = run_build(course, chosen_modules(course, modules), selftest=not no_selftest)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    print_selftests(results)
    console.print(f"Released to {course.step_dir('release')}")


def print_selftests(results) -> None:
    for r in results:
        console.print(f"[green]self-test ok[/] {r.module}: key {r.key_score:g}/{r.max_auto:g}, empty {r.blank_score:g}")


def print_outcomes(outcomes) -> None:
    """One line of totals, and a table of every submission that was flagged or not graded."""
    notable = [o for o in outcomes if o.flags or not o.graded]
    if notable:
        table = Table(title="Submissions to look at")
        for column in ("learner", "module", "graded", "why"):
            table.add_column(column, overflow="fold")
        for o in notable:
            table.add_row(o.learner, o.module, "yes" if o.graded else "[red]NO[/]",
                          "; ".join(o.flags + ([o.error] if o.error else [])))
        console.print(table)
    graded = sum(o.graded for o in outcomes)
    console.print(f"Graded {graded} of {len(outcomes)} submission(s); {sum(bool(o.flags) for o in outcomes)} flagged, "
                  f"{len(outcomes) - graded} not graded.")


@main.command()
@root_option
@jurisdiction_option
@click.option("--no-feedback", is_flag=True, help="Autograde and export only.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Grading workers run in parallel.  [default: the machine's cores]")
@click.option("--timeout", type=click.FloatRange(min=1), default=None,
              help="Seconds one submission may take before it is stopped.  [default: 5 x autograde_timeout]")
def grade(root: Path | None, no_feedback: bool, jobs: int | None, timeout: float | None) -> None:
    """Autograde every submission in build/submitted with nbgrader, in parallel, write feedback
    (no hidden tests, no key) and export build/grades.csv. A bad submission is graded as far as
    it can be and flagged; the command exits non-zero only if something could not be graded."""
    from graders.grading.cohort import grade_cohort, submissions

    course = open_course(root)
    if not submissions(course):
        raise click.ClickException(f"nothing to grade: no submissions in {course.step_dir('submitted')}/"
                                   "<learner>/<module>/ (nbgrader collect puts them there)")
    outcomes = grade_cohort(course, feedback=not no_feedback, jobs=jobs, timeout=timeout)
    print_outcomes(outcomes)
    kept = sync_training_records(course)
    console.print(f"Grades: {course.build_dir / 'grades.csv'}   Feedback: {course.step_dir('feedback')}   "
                  f"Training records: {kept} new")
    failed = [o for o in outcomes if not o.graded]
    if failed:
        raise click.ClickException(
            "could not grade: " + ", ".join(f"{o.learner}/{o.module}" for o in failed))


def sync_training_records(course: Course) -> int:
    """Bring the training records up to date with the gradebook; how many completions were new."""
    from graders.trainer.roster import records
    from graders.trainer.training import sync_records

    return len(sync_records(course, records(course)))


@main.command()
@root_option
@jurisdiction_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Default: build/handouts (build/handouts-answers with --with-answers).")
@click.option("--with-answers", is_flag=True, help="Trainer edition: keys, rationales and trainer notes, "
              "marked on every page. Never give it to learners.")
@click.option("--pdf", is_flag=True, help="Also print every page to PDF with the system's Chromium.")
def handouts(root: Path | None, out: Path | None, with_answers: bool, pdf: bool) -> None:
    """Render every module and client handout as offline HTML (no code; no key unless
    --with-answers) with an index page. Refuses to write anything the publish gate rejects:
    real-looking identifiers, images without alt text, client handouts above grade 8."""
    from graders.publish.handouts import build_handouts
    from graders.publish.pdf import NoChromium

    try:
        index = build_handouts(open_course(root), out, with_answers=with_answers, pdf=pdf)
    except (CourseError, NoChromium) as err:
        raise click.ClickException(str(err)) from None
    console.print(f"Handouts: {index}" + (" (and a PDF beside each page)" if pdf else ""))


@main.command()
@root_option
@jurisdiction_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Default: build/report.")
def report(root: Path | None, out: Path | None) -> None:
    """Trainers' report from the gradebook: each learner's modules against the mastery threshold,
    the staff training status (due, overdue, retrain), and per decision step and legal concept the
    share right and the wrong option chosen most. One offline HTML page with charts, plus CSV files
    (status.csv: one row per person and required module)."""
    from graders.trainer.training import report_with_status

    course = open_course(root)
    if not course.has_gradebook():
        raise click.ClickException("no gradebook yet: run `course grade` first")
    try:
        console.print(f"Report: {report_with_status(course, out)}")
    except CourseError as err:
        raise click.ClickException(str(err)) from None


@main.command()
@root_option
@jurisdiction_option
@click.option("--no-pdf", is_flag=True, help="HTML only (PDFs need the system's Chromium).")
def certificates(root: Path | None, no_pdf: bool) -> None:
    """A one-page completion certificate (HTML, and PDF where Chromium is installed) for every
    learner who passed every module listed in course.yaml, each with a verification code, and
    verify.html beside them: an offline page where the clinic's office types a code to check it."""
    from graders.trainer.certificates import VERIFY_PAGE, issue

    course = open_course(root)
    try:
        sync_training_records(course)
        pages = issue(course, pdf=not no_pdf)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    pdfs = sum(p.with_suffix(".pdf").exists() for p in pages)
    folder = course.build_dir / "certificates"
    console.print(f"{len(pages)} certificate(s) in {folder}"
                  + (f" ({pdfs} as PDF)" if pdfs else " (HTML only: no chromium found for PDFs)" if pages else ""))
    console.print(f"To check a code without a terminal, open {folder / VERIFY_PAGE}")


@main.command()
@root_option
@click.argument("code")
def verify(root: Path | None, code: str) -> None:
    """Check a certificate's verification CODE against the gradebook."""
    from graders.trainer.certificates import verify as check

    certificate = check(open_course(root), code)
    if certificate is None:
        raise click.ClickException(f"{code}: not a valid certificate code for this course")
    modules = ", ".join(f"{m} version {v}: {s:g}/{x:g} ({d})" for m, s, x, d, v in certificate.modules)
    role = f" ({certificate.role})" if certificate.role else ""
    console.print(f"[green]Valid[/]: {certificate.name or certificate.learner}{role} completed {modules}")


@main.command()
@root_option
@click.option("--learners", default=13, show_default=True, help="Size of the synthetic cohort (at least 4).")
def demo(root: Path | None, learners: int) -> None:
    """The whole job on a synthetic cohort: build, submit, grade, feedback, report, certificates,
    handouts. It works in a course of its own, build/demo/ (replaced on each run); your own
    submissions, gradebook and rubric scores are never read or written."""
    from graders.grading.build import build as run_build
    from graders.grading.cohort import grade_cohort
    from graders.publish.handouts import build_handouts
    from graders.trainer.certificates import issue
    from graders.trainer.demo import EDITION_LEARNERS, demo_course, make_cohort
    from graders.trainer.roster import records
    from graders.trainer.training import report_with_status

    if learners < 4:
        raise click.BadParameter("the demo needs at least 4 learners", param_hint="--learners")
    started = time.monotonic()
    course = demo_course(open_course(root))
    try:
        print_selftests(run_build(course))
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    record = make_cohort(course, learners)
    outcomes = grade_cohort(course)
    print_outcomes(outcomes)
    report = report_with_status(course)
    certificates = issue(course)
    index = build_handouts(course)
    # One other state's edition shows what a jurisdiction changes (each takes half a minute more).
    editions = [demo_edition(course, state, record) for state in sorted(course.settings.editions)[:1]]
    b = course.build_dir
    console.print(f"""
[bold]Done in {time.monotonic() - started:.0f} s.[/] The demo has a course of its own, {course.root}
(your own submissions and gradebook are untouched). Everything it made is under {b}:
  Learners' released modules  {b / 'release'}
  Synthetic cohort answers    {record}
  Grades (CSV)                {b / 'grades.csv'}
  Feedback for each learner   {b / 'feedback'}/<learner>/<module>/
  Gradebook (nbgrader)        {b / 'gradebook.db'}   (open with: make formgrader COURSE={course.root})
  Trainers' report            {report}   (staff training status: {report.parent / 'status.csv'})
  Certificates                {len(certificates)} in {b / 'certificates'}
  Training records            {records(course).path}
  Handouts                    {index}""")
    for state, edition, edition_outcomes, edition_index in editions:
        console.print(f"  {state} edition ({', '.join(edition.modules)}): the first {EDITION_LEARNERS} learners' "
                      f"same answers graded by {state} law: {edition.build_dir / 'grades.csv'}; handouts "
                      f"{edition_index}")
        outcomes += edition_outcomes
    if len(course.settings.editions) > len(editions):
        others = sorted(course.settings.editions)[len(editions):]
        console.print(f"  Other editions: {', '.join(others)} (course build --jurisdiction {others[0]})")
    if any(not o.graded for o in outcomes):
        raise click.ClickException("some submissions could not be graded (see the table)")



def demo_edition(course: Course, state: str, record: Path):
    """Another state's edition in the demo: built, the same answers graded, handouts made."""
    from graders.course.editions import make_edition
    from graders.grading.build import build as run_build
    from graders.grading.cohort import grade_cohort
    from graders.publish.handouts import build_handouts
    from graders.trainer.demo import edition_cohort

    edition, _ = make_edition(course, state)
    print_selftests(run_build(edition))
    edition_cohort(edition, record)
    outcomes = grade_cohort(edition)
    return state, edition, outcomes, build_handouts(edition)


workspaces_option = click.option(
    "--workspaces", type=click.Path(file_okay=False, path_type=Path),
    help="The folder that holds one workspace per person (<folder>/<id>/), e.g. a shared folder.  "
         "[default: your user data folder]")


@main.command(context_settings={"ignore_unknown_options": True})
@root_option
@jurisdiction_option
@click.option("--learner", "learner_id", metavar="ID",
              help="A person on the staff roster: their own workspace with the modules their role requires.")
@workspaces_option
@click.option("--module", "modules", multiple=True,
              help="Only this module (repeatable).  [default: all, or the learner's role's]")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path),
              help="The folder for module copies and answers (without --learner).  [default: your user data folder]")
@click.option("--port", type=int, help="Port on 127.0.0.1. Default: Jupyter's (8888, or the next free one).")
@click.option("--no-browser", is_flag=True, help="Print the address instead of opening a browser.")
@click.option("--jupyterlab", is_flag=True,
              help="Open the first module in JupyterLab instead of the start page (for trainers, or by choice).")
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def lab(root: Path | None, learner_id: str | None, workspaces: Path | None, modules: tuple[str, ...],
        workspace: Path | None, port: int | None, no_browser: bool, jupyterlab: bool,
        jupyter_args: tuple[str, ...]) -> None:
    """Learners on one machine: release the modules, copy them into a workspace (never overwriting
    the learner's own files) and open the start page, where each module is a page of its own, on
    127.0.0.1 only. With --learner ID, that person's workspace gets only the modules their role
    requires, and the start page shows their name and due dates; `course collect` hands it in.
    Extra arguments after `--` go to `jupyter lab`."""
    from graders.learner.lab import (
        START_URL,
        copy_release,
        default_workspace,
        lab_command,
        learner_config,
        learner_environment,
        release,
        staff_workspaces,
        trust,
    )

    course = open_course(root)
    learner, due = "", {}
    try:
        if learner_id:
            if workspace is not None:
                raise click.UsageError("--workspace is for one learner without the roster; with --learner, "
                                       "use --workspaces for the folder that holds everyone's")
            person, chosen, due = learner_plan(course, learner_id, modules)
            workspace = (workspaces or staff_workspaces(course)) / person.id
            learner = f"{person.full_name}, {course.settings.role(person.role).title}"
        else:
            chosen = chosen_modules(course, modules)
        workspace = (workspace or default_workspace(course)).resolve()
        notebooks, kept = copy_release(release(course, chosen), chosen, workspace)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    trust(notebooks)
    for name in kept:
        console.print(f"Kept your copy of {name}: a newer release exists (delete your copy to get it; "
                      "your saved answers in responses/ stay).")
    opens = "the first module in JupyterLab" if jupyterlab else f"the start page ({START_URL})"
    console.print(f"Modules{f' for {learner}' if learner else ''} in {workspace}. The address below opens {opens}. "
                  "Stop with Ctrl+C.")
    command = lab_command(workspace, notebooks[0] if jupyterlab else None, port, not no_browser, list(jupyter_args))
    try:
        environment = learner_environment(workspace, learner_config(course, chosen, learner, due))
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(workspace)  # so nbgrader's server extensions see the workspace, not the trainer's course
    os.execve(command[0], command, environment)


def learner_plan(course: Course, learner_id: str, modules: tuple[str, ...]):
    """(person, the modules to hand out, module: the due line for their start page)."""
    from graders.trainer.roster import find
    from graders.trainer.training import due_lines

    person = find(course, learner_id)
    chosen = chosen_modules(course, modules) if modules else course.required_modules(person.role)
    return person, chosen, due_lines(course, person)


@main.command()
@root_option
@jurisdiction_option
@workspaces_option
def collect(root: Path | None, workspaces: Path | None) -> None:
    """Hand in everyone's work from their `course lab --learner` workspaces: each module a person on
    the roster has started is copied to build/submitted/<id>/<module>/ with the time, for `course grade`.
    Links are never followed; the learners' own folders are never changed."""
    from graders.learner.lab import staff_workspaces
    from graders.trainer.collect import UNCHANGED, collect_work
    from graders.trainer.roster import records

    course = open_course(root)
    folder = workspaces or staff_workspaces(course)
    collected, notes = collect_work(course, folder, records(course).staff())
    for note in notes:
        console.print(f"[yellow]Note[/]: {note}")
    if not collected:
        raise click.ClickException(f"nothing to collect in {folder}: no one on the roster has started a module there")
    table = Table(title=f"Collected from {folder}")
    for column in ("learner", "module", "their progress", "collected", "handed in"):
        table.add_column(column, overflow="fold")
    for c in collected:
        table.add_row(c.learner, c.module, c.progress, c.outcome, c.handed_in)
    console.print(table)
    new = sum(c.outcome != UNCHANGED for c in collected)
    console.print(f"{new} of {len(collected)} module(s) handed in anew, in {course.step_dir('submitted')}. "
                  "Next: course grade")


# -- the staff roster and training records ---------------------------------------------------------


@main.group()
def staff() -> None:
    """The staff roster: who must take which modules by when (roles and periods in course.yaml)."""


def print_staff(course: Course, people) -> None:
    table = Table(title="Staff roster")
    for column in ("id", "full name", "role", "start date", "email", "left on"):
        table.add_column(column, overflow="fold")
    for p in people:
        title = course.settings.roles[p.role].title if p.role in course.settings.roles else p.role
        table.add_row(p.id, p.full_name, title, p.start_date, p.email, p.left_on)
    console.print(table)


@staff.command("import")
@root_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def staff_import(root: Path | None, file: Path) -> None:
    """Add or update everyone in a roster FILE (CSV with the columns id, full_name, role,
    start_date and, optionally, email). Nothing is saved unless every line is right. People not in
    the file stay on the roster (`course staff remove` takes someone off)."""
    from graders.trainer.roster import enrol, read_roster, records

    course = open_course(root)
    try:
        people = read_roster(course, file)
        known = {p.id for p in records(course).staff(include_left=True)}
        enrol(course, people)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    new = sum(p.id not in known for p in people)
    print_staff(course, people)
    console.print(f"Imported {len(people)} staff member(s) from {file}: {new} new, {len(people) - new} updated.")


@staff.command("add")
@root_option
@click.argument("staff_id", metavar="ID")
@click.option("--name", "full_name", required=True, help="Full name, as on a certificate.")
@click.option("--role", required=True, help="A role from course.yaml's roles.")
@click.option("--start", "start_date", required=True, metavar="YYYY-MM-DD", help="The day they started.")
@click.option("--email", default="", help="Optional.")
def staff_add(root: Path | None, staff_id: str, full_name: str, role: str, start_date: str, email: str) -> None:
    """Add one person to the roster (or update them)."""
    from graders.trainer.roster import check_row, enrol

    course = open_course(root)
    person, problems = check_row(course, {"id": staff_id, "full_name": full_name, "role": role,
                                          "start_date": start_date, "email": email}, "course staff add")
    if person is None:
        raise click.ClickException("\n".join(problems))
    enrol(course, [person])
    print_staff(course, [person])


@staff.command("list")
@root_option
@click.option("--role", help="Only this role.")
@click.option("--all", "everyone", is_flag=True, help="Also people taken off the roster.")
def staff_list(root: Path | None, role: str | None, everyone: bool) -> None:
    """Everyone on the roster."""
    from graders.trainer.roster import records

    course = open_course(root)
    people = [p for p in records(course).staff(include_left=everyone) if role in (None, p.role)]
    if not people:
        raise click.ClickException("no staff on the roster yet: `course staff import FILE` or `course staff add`")
    print_staff(course, people)


@staff.command("remove")
@root_option
@click.argument("staff_id", metavar="ID")
def staff_remove(root: Path | None, staff_id: str) -> None:
    """Take a person off the roster from today. Their training records, certificates and graded
    work are kept (for six years: 45 CFR 164.530(j)(2))."""
    from datetime import date

    from graders.trainer.roster import records

    if not records(open_course(root)).mark_left(staff_id, date.today().isoformat()):
        raise click.ClickException(f"{staff_id!r} is not on the roster")
    console.print(f"{staff_id} is off the roster from today; their training records are kept.")


def iso_day(_ctx, _param, value: str | None):
    from datetime import date

    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


STATUS_STYLE = {"done": "green", "due": "yellow", "overdue": "bold red", "retrain": "magenta"}


@main.command()
@root_option
@jurisdiction_option
@click.option("--role", help="Only people of this role.")
@click.option("--as-of", "today", metavar="YYYY-MM-DD", callback=iso_day, help="The day to judge by.  [default: today]")
@click.option("--only", "only", multiple=True, type=click.Choice(list(STATUS_STYLE)),
              help="Only rows with this status (repeatable), e.g. --only overdue --only retrain.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the table as CSV (one row per person and module) for an HR or LMS system.")
def status(root: Path | None, role: str | None, today, only: tuple[str, ...], csv_path: Path | None) -> None:
    """Each person on the roster and each module their role requires: done (date, score, version),
    due (by when), overdue, or retrain (the module changed since they passed it)."""
    from graders.trainer.roster import records
    from graders.trainer.training import by_person, staff_status, sync_records, write_status_csv

    course = open_course(root)
    store = records(course)
    if role and course.settings.roles and role not in course.settings.roles:
        raise click.BadParameter(f"no role {role!r}; course.yaml has: {', '.join(course.settings.roles)}",
                                 param_hint="--role")
    try:
        sync_records(course, store)
        rows = staff_status(course, store, today, role)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    if not rows:
        raise click.ClickException("no staff on the roster" + (f" with the role {role}" if role else "")
                                   + ": `course staff import FILE` adds them")
    everyone, rows = rows, [r for r in rows if not only or r.status in only]
    table = Table(title=f"Training status as of {today.isoformat()}")
    for column in ("person", "module", "status", "by", "done (score, version)"):
        table.add_column(column, overflow="fold")
    for person, role_title, group in by_person(rows):
        for i, r in enumerate(group):
            note = "" if r.reason == "not done yet" else f"\n{r.reason}"
            done = (f"{r.done.submitted_on} {r.done.score:g}/{r.done.max_score:g}, v{r.done.module_version}"
                    if r.done else "")
            table.add_row(f"{person.full_name}\n{role_title}" if i == 0 else "", r.title.split(":")[0],
                          f"[{STATUS_STYLE[r.status]}]{r.status}[/]{note}", r.due.isoformat(), done,
                          end_section=i == len(group) - 1)
    if rows:
        console.print(table)
    counts = {word: sum(r.status == word for r in everyone) for word in STATUS_STYLE}
    console.print(", ".join(f"{n} {word}" for word, n in counts.items()) + f" (of {len(everyone)} required modules"
                  + (f"; {len(rows)} shown)" if only else ")"))
    if csv_path:
        console.print(f"CSV: {write_status_csv(rows, csv_path)}")


@main.group("records")
def records_group() -> None:
    """The training records: every completion and certificate, kept when anything is rebuilt."""


@records_group.command("export")
@root_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Default: build/training-records.csv.")
def records_export(root: Path | None, out: Path | None) -> None:
    """Every completion ever recorded (who, module, version, score, passed, dates, certificate codes) as CSV."""
    from graders.trainer.records import export_csv
    from graders.trainer.roster import records

    course = open_course(root)
    sync_training_records(course)
    out = out or course.build_dir / "training-records.csv"
    console.print(f"{export_csv(records(course), out)} completion record(s) in {out}")


@records_group.command("check")
@root_option
def records_check(root: Path | None) -> None:
    """Check that no training record was changed or removed since it was written."""
    from graders.trainer.roster import records

    store = records(open_course(root))
    problems = store.check()
    if problems:
        raise click.ClickException(f"{store.path}: the records do not add up:\n  " + "\n  ".join(problems))
    console.print(f"[green]OK[/]: {len(store.completions())} completion(s) and {len(store.certificates())} "
                  f"certificate(s) in {store.path}, each as it was written.")


# -- JupyterHub ---------------------------------------------------------------------------------------


@main.group("hub")
def hub_group() -> None:
    """The course on JupyterHub: one hub, this machine's accounts (course.yaml `hub:`, docs/hub.md)."""


def ready_for_hub(root: Path | None) -> Course:
    """The course, once nothing stops its hub from starting (else each problem, with what to do)."""
    from graders.trainer.hub import problems

    course = open_course(root)
    try:
        found = problems(course)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    if found:
        raise click.ClickException("the hub cannot start yet:\n  " + "\n  ".join(found))
    return course


@hub_group.command("check")
@root_option
def hub_check(root: Path | None) -> None:
    """Say what would stop `course hub up`: root, configurable-http-proxy, the OS accounts, and a
    course folder that only the grader account can read."""
    ready_for_hub(root)
    console.print("[green]OK[/]: the hub can start (`course hub up`).")


@hub_group.command("up")
@root_option
@click.option("--no-install", is_flag=True, help="Do not reinstall the course's code into the learner environment.")
def hub_up(root: Path | None, no_install: bool) -> None:
    """Start the course's JupyterHub on 127.0.0.1 (as root): the learner environment, the exchange, the
    formgrader and the answer record as the grader account; each person's server as their own account.
    Runs until Ctrl+C."""
    from graders.trainer.hub import first_run_guide, hub_command, install_environment, prepare_folders

    course = ready_for_hub(root)
    try:
        if not no_install:
            install_environment(course, say=lambda text: console.print(text))
        prepare_folders(course)
        command, environment = hub_command(course)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    for line in first_run_guide(course):
        click.echo(line)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(command[0], command, environment)


if __name__ == "__main__":
    main()
