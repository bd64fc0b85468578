"""The Workers stack, split by concern (as prefect-aws splits its ECS worker into a package):

- ``stack.py``: :class:`WorkersStack` (what the ``mangaflow-ecs`` pool runs flow runs on) and
  its outputs;
- ``network.py``: the VPC;
- ``flow_runs.py``: each flow run's image repository, log group, task and execution roles;
- ``worker.py``: the Prefect ECS worker service and what it may call;
- ``names.py``: the names the stack shares with ``deployments/ecs/``, and context helpers.
"""

from stacks.platform.workers.names import WORK_POOL
from stacks.platform.workers.stack import WorkersStack

__all__ = ["WORK_POOL", "WorkersStack"]
