"""The eval's own vLLM server is configured as the Serve application's engine: its command line,
read by vLLM's own parser, gives the engine the same settings (compact JSON answers included)."""

from evals.targets import vllm_command
from serving.llm import engine_kwargs
from serving.settings import ServingSettings
from tests.fixtures.llm import prepared_bundled_model


def test_the_command_line_gives_the_engine_the_serve_settings() -> None:
    from vllm.engine.arg_utils import AsyncEngineArgs
    from vllm.entrypoints.launchers.cli_args import make_arg_parser
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    settings = ServingSettings()
    command = vllm_command(prepared_bundled_model(), 8123, settings)
    assert command[1:3] == ["-m", "vllm.entrypoints.openai.api_server"]
    parsed = AsyncEngineArgs.from_cli_args(
        make_arg_parser(FlexibleArgumentParser()).parse_args(command[3:])
    )
    for name, value in engine_kwargs(settings).items():
        read = getattr(parsed, name)
        if isinstance(value, dict):
            assert {key: getattr(read, key) for key in value} == value
        else:
            assert read == value
