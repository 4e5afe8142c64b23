"""JupyterHub for the confidentiality course: one hub, one course, on this machine's OS accounts.

Start it with `sudo .venv/bin/course hub up` (it sets $COURSE_ROOT, makes the learner environment
and the exchange, and checks the accounts first). What each part is: graders/trainer/hub.py and
docs/hub.md. Based on nbgrader's demos/demo_multiple_classes (roles and scopes, allowed_users).
"""

import os
from pathlib import Path

from graders.course.course import Course
from graders.trainer.hub import HubPlan

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
course = Course(Path(os.environ["COURSE_ROOT"]))
plan = HubPlan(course)
hub = plan.hub

# Localhost only: put a TLS-terminating proxy in front of it for other machines (docs/hub.md).
c.JupyterHub.bind_url = f"http://127.0.0.1:{hub.port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub.port + 1}"
c.JupyterHub.db_url = f"sqlite:///{hub.state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{hub.state}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = f"{hub.state}/jupyterhub-proxy.pid"

# Who may log in: everyone on the staff roster and the trainers. The default login is the machine's
# own accounts (PAM); for a clinic's single sign-on replace it with OAuthenticator or an LTI 1.3
# launch (jupyterhub-ltiauthenticator): docs/hub.md. Usernames must equal roster ids.
c.Authenticator.allowed_users = set(plan.learners)
c.Authenticator.admin_users = set(hub.trainers)
c.JupyterHub.load_groups = plan.groups
c.JupyterHub.load_roles = plan.roles
c.JupyterHub.services = plan.services

# Each person's server: their own OS account, the learner environment, their start page.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [plan.bin("jupyterhub-singleuser")]
c.Spawner.default_url = "/course"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = plan.learner_environment
c.Spawner.pre_spawn_hook = plan.pre_spawn_hook
c.Spawner.http_timeout = 60
