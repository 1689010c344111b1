from django.apps import AppConfig
from django.core import checks


class RiskConfig(AppConfig):
    name = "lantern.risk"
    label = "risk"
    verbose_name = "Risk tools: screening and risk questionnaires, scored, with judgement on top"

    def ready(self):
        checks.register(tool_files_check)


def tool_files_check(app_configs=None, **kwargs):
    """`lantern check` (and every start of the server) reads every risk tool file: a bad
    file stops Lantern with the file, the part and the problem, not at the first use."""
    from . import tools

    try:
        tools.load_dir(tools.TOOLS_DIR)
    except tools.ToolFileError as exc:
        return [checks.Error(str(exc), id="risk.E001")]
    return []
