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


def open_course(root: Path | None) -> Course:
    if root is not None:
        if not is_course_root(root):
            raise click.ClickException(f"{root} is not a course folder (no nbgrader_config.py and scenarios/)")
        return Course(root.resolve())
    try:
        return Course(course_root(Path.cwd()))
    except CourseNotFound as err:
        raise click.ClickException(str(err)) from None


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, grade and publish the confidentiality training course (nbgrader underneath)."""
    # nbgrader runs the `alembic` executable when it creates a gradebook: find ours first.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ["PATH"]


@main.command()
@root_option
def check(root: Path | None) -> None:
    """Validate every scenario file and module notebook; print each problem with its file."""
    from graders.publish.gate import check as publish_gate

    course = open_course(root)
    problems = course.check_sources() + publish_gate(course.root)
    if problems:
        raise click.ClickException("the course sources have problems:\n  " + "\n  ".join(problems))
    console.print(f"[green]OK[/]: {len(course.scenarios())} scenarios in {len(course.modules)} module(s).")


@main.command()
@root_option
@click.option("--module", "modules", multiple=True, help="Only this module (repeatable). Default: all.")
@click.option("--no-selftest", is_flag=True, help="Skip the key self-test (faster; not for publishing).")
def build(root: Path | None, modules: tuple[str, ...], no_selftest: bool) -> None:
    """Validate sources, release each module to build/release with nbgrader, and self-test every key
    (the key's answers must score full marks, an empty submission zero)."""
    from graders.grading.build import build as run_build

    course = open_course(root)
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
    console.print(f"Grades: {course.build_dir / 'grades.csv'}   Feedback: {course.step_dir('feedback')}")
    failed = [o for o in outcomes if not o.graded]
    if failed:
        raise click.ClickException(
            "could not grade: " + ", ".join(f"{o.learner}/{o.module}" for o in failed))


@main.command()
@root_option
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
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Default: build/report.")
def report(root: Path | None, out: Path | None) -> None:
    """Trainers' report from the gradebook: each learner's modules against the mastery threshold,
    missing modules, and per decision step and legal concept the share right and the wrong option
    chosen most. One offline HTML page with charts, plus CSV files."""
    from graders.trainer.report import build_report

    course = open_course(root)
    if not (course.build_dir / "gradebook.db").exists():
        raise click.ClickException("no gradebook yet: run `course grade` first")
    console.print(f"Report: {build_report(course, out)}")


@main.command()
@root_option
@click.option("--no-pdf", is_flag=True, help="HTML only (PDFs need the system's Chromium).")
def certificates(root: Path | None, no_pdf: bool) -> None:
    """A one-page completion certificate (HTML, and PDF where Chromium is installed) for every
    learner who passed every module listed in course.yaml, each with a verification code, and
    verify.html beside them: an offline page where the clinic's office types a code to check it."""
    from graders.trainer.certificates import VERIFY_PAGE, issue

    course = open_course(root)
    try:
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
    modules = ", ".join(f"{m} {s:g}/{x:g} ({d})" for m, s, x, d in certificate.modules)
    console.print(f"[green]Valid[/]: {certificate.learner} completed {modules}")


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
    from graders.trainer.demo import demo_course, make_cohort
    from graders.trainer.report import build_report

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
    report = build_report(course)
    certificates = issue(course)
    index = build_handouts(course)
    b = course.build_dir
    console.print(f"""
[bold]Done in {time.monotonic() - started:.0f} s.[/] The demo has a course of its own, {course.root}
(your own submissions and gradebook are untouched). Everything it made is under {b}:
  Learners' released modules  {b / 'release'}
  Synthetic cohort answers    {record}
  Grades (CSV)                {b / 'grades.csv'}
  Feedback for each learner   {b / 'feedback'}/<learner>/<module>/
  Gradebook (nbgrader)        {b / 'gradebook.db'}   (open with: make formgrader COURSE={course.root})
  Trainers' report            {report}
  Certificates                {len(certificates)} in {b / 'certificates'}
  Handouts                    {index}""")
    if any(not o.graded for o in outcomes):
        raise click.ClickException("some submissions could not be graded (see the table)")



@main.command(context_settings={"ignore_unknown_options": True})
@root_option
@click.option("--module", "modules", multiple=True, help="Only this module (repeatable). Default: all.")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path),
              help="The learner's folder for module copies and answers. Default: workspace/ in the course.")
@click.option("--port", type=int, help="Port on 127.0.0.1. Default: Jupyter's (8888, or the next free one).")
@click.option("--no-browser", is_flag=True, help="Print the address instead of opening a browser.")
@click.option("--jupyterlab", is_flag=True,
              help="Open the first module in JupyterLab instead of the start page (for trainers, or by choice).")
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def lab(root: Path | None, modules: tuple[str, ...], workspace: Path | None, port: int | None, no_browser: bool,
        jupyterlab: bool, jupyter_args: tuple[str, ...]) -> None:
    """Learners on one machine: release the modules, copy them into a workspace (never overwriting
    the learner's own files) and open the start page, where each module is a page of its own, on
    127.0.0.1 only. Extra arguments after `--` go to `jupyter lab`."""
    from graders.learner.lab import (
        START_URL,
        copy_release,
        default_workspace,
        lab_command,
        learner_config,
        learner_environment,
        release,
        trust,
    )

    course = open_course(root)
    chosen = chosen_modules(course, modules)
    workspace = (workspace or default_workspace(course)).resolve()
    try:
        notebooks, kept = copy_release(release(course, chosen), chosen, workspace)
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    trust(notebooks)
    for name in kept:
        console.print(f"Kept your copy of {name}: a newer release exists (delete your copy to get it; "
                      "your saved answers in responses/ stay).")
    opens = "the first module in JupyterLab" if jupyterlab else f"the start page ({START_URL})"
    console.print(f"Modules in {workspace}. The address below opens {opens}. Stop with Ctrl+C.")
    command = lab_command(workspace, notebooks[0] if jupyterlab else None, port, not no_browser, list(jupyter_args))
    try:
        environment = learner_environment(workspace, learner_config(course, chosen))
    except CourseError as err:
        raise click.ClickException(str(err)) from None
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(workspace)  # so nbgrader's server extensions see the workspace, not the trainer's course
    os.execve(command[0], command, environment)


if __name__ == "__main__":
    main()
